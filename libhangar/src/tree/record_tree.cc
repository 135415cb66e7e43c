// Record trees: build, point lookup, range statistics, page listing.
// Mutation lives in record_tree_apply.cc, the cursor in record_tree_cursor.cc, diff and
// page negotiation in record_tree_diff.cc, the page codec in record_page.cc.
//
// Design (the format is specified in docs/format/record-tree.md)
// ---------------------------------------------------------------
// A record tree is the sorted map key -> (sample, nbytes) of one column at one commit,
// stored as a B-tree whose pages are content-addressed objects: a page's id is the SHA-256
// of its canonical bytes, and a parent names its children by id. Two commits that share a
// subtree therefore share its pages, and comparing two subtrees is comparing 32 bytes.
//
// The boundary rule. A B-tree's shape normally depends on the order of the inserts that made
// it; then equal maps could have different roots and diff could not skip equal subtrees.
// Here a page ends after an entry whose *key* hits a boundary pattern: bits [7L, 7L+7) of
// xxh3_128(key) are zero at level L (probability 1/128, so leaves of ~38-byte entries
// average ~5 KiB and internal pages ~7 KiB). The last page of a level ends at the level's
// end. An internal entry is keyed by the first key under its child, so level L+1 is cut by
// the same rule applied to those first keys, with a different 7-bit window per level so the
// levels cut independently. Levels from kBoundaryLevels up never cut, so every level is a
// single page by then and the height is bounded even for adversarial keys. The root is the
// lowest level that is a single page; the empty map is the all-zero digest and has no page.
//
// Because cuts depend on keys alone -- never on values, never on history -- the page
// layout, and so the root digest, is a pure function of the map ("history independence"):
// build_tree of a map and any sequence of apply_mutations reaching the same map give the
// same root. The tests check exactly that.
//
// Locality. Changing the value of a key rewrites only its leaf. Inserting a key rewrites its
// leaf, and splits it in two when the new key is a boundary. Deleting a boundary key merges
// its leaf with the next one. The same holds level by level for the first keys of pages, so
// a batch of k changes rewrites O(k) pages per level: O(k log N) in all
// (record_tree_apply.cc). Diff walks both trees side by side and skips any pair of heads
// with equal digests; because cuts are key-determined, unchanged regions line up page for
// page, and misaligned ones (around a split or merge) are resolved by descending
// (record_tree_diff.cc).
//
// Totals. Each internal entry carries the count and total nbytes under its child, so the
// count/bytes of any key range costs two root-to-leaf paths (range_stats).
//
// Trade-offs. Page size is geometric, not bounded: a page has ~128 entries on average but
// occasionally several hundred. Keys are hashed without a secret salt, so that every
// repository cuts equal maps identically (pages dedup across clones); a user who chooses
// keys to avoid boundaries only makes their own pages large, never incorrect.
#include "tree/record_tree.h"

#include <hangar/error.h>

#include "tree/record_tree_detail.h"

namespace hangar {

namespace detail {

PageDecoder open_page(PageStore& store, const Digest& id, int expected_level) {
  PageDecoder d(id, store.get_page(id));
  if (expected_level >= 0 && d.level() != expected_level)
    d.corrupt("level", std::to_string(d.level()) + ", but its parent is at level " +
                           std::to_string(expected_level + 1));
  return d;
}

void check_first_key(const PageDecoder& child, ByteView parent_key) {
  if (compare_keys(child.key(), parent_key) != 0)
    child.corrupt("entries", "first key differs from the key in its parent's entry");
}

}  // namespace detail

namespace {

// Records with key < x: the totals of the children wholly before x, plus the records below
// x in the one leaf that may straddle it. One page per level.
RangeStats rank(PageStore& store, const Digest& root, ByteView x) {
  RangeStats acc;
  Digest id = root;
  int expect = -1;
  for (;;) {
    PageDecoder d = detail::open_page(store, id, expect);
    if (d.is_leaf()) {
      while (d.next() && compare_keys(d.key(), x) < 0) {
        acc.count += 1;
        acc.nbytes += d.nbytes();
      }
      return acc;
    }
    // Child i holds keys in [k_i, k_{i+1}); descend into the last child with k_i < x.
    if (!d.next() || compare_keys(d.key(), x) >= 0) return acc;
    Digest child = d.digest();
    std::uint64_t count = d.count(), nbytes = d.nbytes();
    while (d.next() && compare_keys(d.key(), x) < 0) {
      acc.count += count;
      acc.nbytes += nbytes;
      child = d.digest();
      count = d.count();
      nbytes = d.nbytes();
    }
    id = child;
    expect = d.level() - 1;
  }
}

}  // namespace

TreeStats build_tree(PageStore& store, std::span<const std::pair<Bytes, RecordValue>> entries) {
  const LevelChunker::Sink put = [&](Bytes page, const PageEntry& summary) {
    store.put_page(summary.digest, page);
  };
  std::vector<PageEntry> leaves;
  LevelChunker chunker(0, [&](Bytes page, PageEntry summary) {
    store.put_page(summary.digest, page);
    leaves.push_back(std::move(summary));
  });
  for (const auto& [key, value] : entries) chunker.add_record(key, value);
  chunker.finish();
  if (leaves.empty()) return {};
  const PageEntry root = build_upper_levels(0, std::move(leaves), put);
  return {root.digest, root.count, root.nbytes};
}

std::optional<RecordValue> find_record(PageStore& store, const Digest& root, ByteView key) {
  if (root.is_zero()) return std::nullopt;
  Digest id = root;
  int expect = -1;
  for (;;) {
    PageDecoder d = detail::open_page(store, id, expect);
    if (d.is_leaf()) {
      while (d.next()) {
        const int c = compare_keys(d.key(), key);
        if (c == 0) return d.value();
        if (c > 0) return std::nullopt;
      }
      return std::nullopt;
    }
    // The last child whose first key <= key; a key below the first child's is absent.
    if (!d.next() || compare_keys(d.key(), key) > 0) return std::nullopt;
    id = d.digest();
    while (d.next() && compare_keys(d.key(), key) <= 0) id = d.digest();
    expect = d.level() - 1;
  }
}

RangeStats range_stats(PageStore& store, const Digest& root, ByteView lo, ByteView hi) {
  if (root.is_zero()) return {};
  if (!lo.empty() && !hi.empty() && compare_keys(lo, hi) >= 0) return {};
  RangeStats upper;
  if (hi.empty()) {
    const TreeStats t = tree_stats(store, root);
    upper = {t.count, t.nbytes};
  } else {
    upper = rank(store, root, hi);
  }
  const RangeStats lower = lo.empty() ? RangeStats{} : rank(store, root, lo);
  return {upper.count - lower.count, upper.nbytes - lower.nbytes};
}

TreeStats tree_stats(PageStore& store, const Digest& root) {
  if (root.is_zero()) return {};
  TreeStats t{root, 0, 0};
  PageDecoder d = detail::open_page(store, root, -1);
  while (d.next()) {
    t.count += d.count();
    t.nbytes += d.nbytes();
  }
  return t;
}

int tree_height(PageStore& store, const Digest& root) {
  if (root.is_zero()) return -1;
  return detail::open_page(store, root, -1).level();
}

std::vector<Digest> tree_pages(PageStore& store, const Digest& root) {
  return pages_not_in(store, root, Digest{});
}

}  // namespace hangar
