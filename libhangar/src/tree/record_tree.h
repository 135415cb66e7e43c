// Record trees: one per column per commit, the sorted map key -> RecordValue stored as a
// content-defined B-tree ("prolly tree") of content-addressed pages (record_tree.cc explains
// the design; docs/format/record-tree.md has the page format). Keys are opaque byte strings
// of at most kMaxKeyBytes, ordered by memcmp (callers sort-encode them first).
//
// None of these functions is thread-safe with respect to the PageStore they are given.
// The empty tree is the all-zero Digest and has no page.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "tree/record_page.h"

namespace hangar {

// Where pages live: the repository's LMDB object store (one txn), or a fake in tests.
class PageStore {
 public:
  virtual ~PageStore() = default;
  // The page's bytes; the view stays valid until the next put_page() or the end of the
  // store's txn. Throws: NotFound, Corrupt.
  virtual ByteView get_page(const Digest& id) = 0;
  // Stores bytes under digest_of(bytes) (idempotent).
  virtual void put_page(const Digest& id, ByteView bytes) = 0;
};

struct TreeStats {
  Digest root;  // all-zero for the empty tree
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
  bool operator==(const TreeStats&) const = default;
};

// One change: a value to put, or nullopt to delete (deleting an absent key is a no-op).
struct Mutation {
  Bytes key;
  std::optional<RecordValue> value;
};

struct RangeStats {
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
  bool operator==(const RangeStats&) const = default;
};

// Builds the tree of a map. Writes every page of the new tree.
// REQUIRES: keys strictly increasing, each at most kMaxKeyBytes (checked).
// Throws: InvalidArgument (order, key length), whatever put_page throws.
TreeStats build_tree(PageStore& store, std::span<const std::pair<Bytes, RecordValue>> entries);

// Applies sorted changes to the tree at `root` and returns the new tree, which is exactly
// (same root digest) build_tree of the resulting map. Costs O(k log N) page reads and
// writes: only the leaves holding the mutated keys (and a neighbour when a boundary key
// comes or goes) and their ancestors are rewritten; pages of the old tree are not re-put.
// REQUIRES: keys strictly increasing, each at most kMaxKeyBytes (checked).
// Throws: InvalidArgument, NotFound/Corrupt (a page of the old tree), put_page's errors.
TreeStats apply_mutations(PageStore& store, const Digest& root,
                          std::span<const Mutation> mutations);

// The value under `key`, nullopt if absent. Reads one page per level.
// Throws: NotFound, Corrupt.
std::optional<RecordValue> find_record(PageStore& store, const Digest& root, ByteView key);

// Count and bytes of the records with lo <= key < hi; an empty lo or hi is unbounded.
// Reads at most two pages per level (the two boundary paths), using the internal totals.
// Throws: NotFound, Corrupt.
RangeStats range_stats(PageStore& store, const Digest& root, ByteView lo = {}, ByteView hi = {});

// Totals of the whole tree (reads the root page only). Throws: NotFound, Corrupt.
TreeStats tree_stats(PageStore& store, const Digest& root);

// Level of the root page: 0 for a single leaf, -1 for the empty tree.
// Throws: NotFound, Corrupt.
int tree_height(PageStore& store, const Digest& root);

// Pull-style forward reader, for a training loop: reads each page of a forward scan once
// and allocates nothing per record. Not thread-safe; movable, not copyable.
// The store must outlive the cursor, and nothing may be put into the store while the cursor
// is in use (views into pages are held across calls). Every method that moves the cursor
// throws NotFound/Corrupt when a page is missing or broken.
class RecordCursor {
 public:
  RecordCursor(PageStore& store, const Digest& root);
  RecordCursor(RecordCursor&&) noexcept = default;
  RecordCursor& operator=(RecordCursor&&) noexcept = default;
  RecordCursor(const RecordCursor&) = delete;
  RecordCursor& operator=(const RecordCursor&) = delete;
  ~RecordCursor() = default;

  // Positions at the first record; the cursor is not valid() until one of these is called.
  void seek_to_first();
  // Positions at the first record with key >= `key`.
  void seek(ByteView key);
  bool valid() const noexcept { return !path_.empty(); }
  // REQUIRES: valid(). The view lives until the cursor moves.
  ByteView key() const noexcept { return path_.back().key(); }
  RecordValue value() const noexcept { return path_.back().value(); }
  // REQUIRES: valid(). May leave the cursor invalid (past the last record).
  void next();

 private:
  void descend(ByteView key, bool to_first);
  void push_child(int level, const Digest& id, ByteView first_key);
  void climb_to_next();

  PageStore* store_;
  Digest root_;
  std::vector<PageDecoder> path_;  // root first; back() is the leaf at the current record
};

// Calls fn(key, value) for each record with lo <= key < hi (empty bound = unbounded), in
// key order; stops early when fn returns false. The key view lives during the call only.
// REQUIRES: fn puts nothing into `store`. Throws: NotFound, Corrupt, and what fn throws.
void for_each_record(PageStore& store, const Digest& root, ByteView lo, ByteView hi,
                     const std::function<bool(ByteView key, const RecordValue& value)>& fn);

// Every record that differs between the trees, in key order: present in one only, or with
// different values. Walks only differing pages: subtrees with equal digests are skipped
// without being read. The key view lives during the call only.
// REQUIRES: fn puts nothing into `store`. Throws: NotFound, Corrupt, and what fn throws.
using DiffFn = std::function<void(ByteView key, const std::optional<RecordValue>& in_a,
                                  const std::optional<RecordValue>& in_b)>;
void diff_trees(PageStore& store, const Digest& a, const Digest& b, const DiffFn& fn);

// Digests of every page reachable from `root` (reads internal pages only; leaves are named
// by their parents). Root first, then depth-first in key order. Throws: NotFound, Corrupt.
std::vector<Digest> tree_pages(PageStore& store, const Digest& root);

// Digests of the pages of tree `tip` that tree `base` lacks (what to send to a peer that
// has `base`), skipping shared subtrees by digest: reads only the internal pages that
// differ. Order unspecified. Throws: NotFound, Corrupt.
std::vector<Digest> pages_not_in(PageStore& store, const Digest& tip, const Digest& base);

}  // namespace hangar
