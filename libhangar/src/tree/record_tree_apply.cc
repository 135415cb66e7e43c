// apply_mutations: edits a record tree in O(k log N) page reads and writes.
//
// Each level of the tree is a sorted sequence of entries cut into pages by the boundary rule
// (record_tree.cc). A batch of changes to level L's entries is applied page run by page
// run: take the old page whose key range holds the first pending change, merge the changes
// that fall in its range into its entries, and cut the result with the same rule. If the
// output ends on a cut, the run is over; if it does not (the old page's last key, a
// boundary, was deleted), the next old page joins the run, and so on. Since cuts depend on
// keys only, every page outside the runs is unchanged.
//
// A run replaces old pages by new ones; for level L+1 that is a change list too: delete the
// entries keyed by the old pages' first keys, put those of the new pages. So the same
// procedure climbs to the root's level. There the new pages are the whole top level: none
// (the tree is empty), one (the root, collapsed downwards while it has a single child, since
// the root is the lowest single-page level) or several (new levels are built above them).
//
// Old pages are found by descending the old tree by key, with a cache of decoded pages, so
// each old page is read once. New pages are held in memory and only those reachable from
// the new root are put, children before parents; a run whose pages come out unchanged
// (e.g. deleting an absent key) produces no changes for the level above.
#include <hangar/error.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "tree/record_tree.h"
#include "tree/record_tree_detail.h"

namespace hangar {
namespace {

struct Edit {
  PageEntry entry;  // entry.key is the key; the rest is unused when erasing
  bool erase = false;
};

// An old page found by key at some level, and the first key of the page after it on that
// level (nullptr for the level's last page).
struct Located {
  Digest id;
  const RecordPage* page;
  const Bytes* hi;
};

class TreeEditor {
 public:
  TreeEditor(PageStore& store, const Digest& root) : store_(store), root_(root) {
    const RecordPage& r = load(root, -1);
    height_ = r.level;
    for (const PageEntry& e : r.entries) {
      old_.count += e.count;
      old_.nbytes += e.nbytes;
    }
    old_.root = root;
  }

  TreeStats run(std::vector<Edit> edits) {
    for (int level = 0; level <= height_; ++level) {
      if (edits.empty()) return old_;
      edits = apply_level(level, edits);
      drop_cached(level);
    }
    if (edits.empty()) return old_;
    // The old root's level now holds exactly the new pages among the edits.
    std::vector<PageEntry> top;
    for (Edit& e : edits)
      if (!e.erase) top.push_back(std::move(e.entry));
    if (top.empty()) return {};
    const PageEntry root = build_upper_levels(height_, std::move(top), pending_sink());
    const Digest id = collapse(root.digest);
    write_reachable(id);
    return {id, root.count, root.nbytes};
  }

 private:
  const RecordPage& load(const Digest& id, int level) {
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
    RecordPage page = decode_page(id, store_.get_page(id));
    if (level >= 0 && page.level != level)
      fail(ErrorCode::Corrupt, "corrupt page " + id.short_hex() +
                                   ": field 'level': " + std::to_string(page.level) +
                                   ", expected " + std::to_string(level));
    old_ids_.insert(id);
    cached_ids_.push_back(id);
    return cache_.emplace(id, std::move(page)).first->second;
  }

  // Frees the decoded pages of a finished level (keeps the root's: it is tiny).
  void drop_cached(int level) {
    std::erase_if(cached_ids_, [&](const Digest& id) {
      auto it = cache_.find(id);
      if (it->second.level != level || id == root_) return false;
      cache_.erase(it);
      return true;
    });
  }

  // The old page at `level` whose range [first key, next page's first key) holds `key`
  // (the level's first page for keys below all others).
  Located locate(int level, ByteView key) {
    Located loc{root_, &load(root_, height_), nullptr};
    for (int l = height_; l > level; --l) {
      const std::vector<PageEntry>& es = loc.page->entries;
      auto it = std::upper_bound(es.begin(), es.end(), key, [](ByteView k, const PageEntry& e) {
        return compare_keys(k, e.key) < 0;
      });
      const std::size_t j = it == es.begin() ? 0 : static_cast<std::size_t>(it - es.begin()) - 1;
      if (j + 1 < es.size()) loc.hi = &es[j + 1].key;
      loc.id = es[j].digest;
      loc.page = &load(loc.id, l - 1);
      if (compare_keys(loc.page->entries.front().key, es[j].key) != 0)
        fail(ErrorCode::Corrupt, "corrupt page " + loc.id.short_hex() +
                                     ": field 'entries': first key differs from its parent's");
    }
    return loc;
  }

  LevelChunker::Sink pending_sink() {
    return [this](Bytes page, const PageEntry& summary) {
      pending_.emplace(summary.digest, std::move(page));
    };
  }

  // Applies sorted edits to one level; returns the edits for the level above.
  std::vector<Edit> apply_level(int level, const std::vector<Edit>& edits) {
    std::vector<Edit> out;
    std::size_t i = 0;
    while (i < edits.size()) {
      std::vector<Digest> old_ids;
      std::vector<const Bytes*> old_firsts;  // into cached pages of this level
      std::vector<PageEntry> made;
      LevelChunker chunker(level, [&](Bytes page, PageEntry summary) {
        pending_.emplace(summary.digest, std::move(page));
        made.push_back(std::move(summary));
      });
      Located loc = locate(level, edits[i].entry.key);
      for (;;) {
        old_ids.push_back(loc.id);
        old_firsts.push_back(&loc.page->entries.front().key);
        i = merge_page(*loc.page, loc.hi, edits, i, chunker);
        if (chunker.at_boundary()) break;
        if (loc.hi == nullptr) {
          chunker.finish();
          break;
        }
        loc = locate(level, *loc.hi);  // the output has not reached a cut: take in the next page
      }
      if (std::equal(old_ids.begin(), old_ids.end(), made.begin(), made.end(),
                     [](const Digest& a, const PageEntry& b) { return a == b.digest; }))
        continue;  // nothing changed in this run
      emit_parent_edits(old_firsts, made, out);
    }
    return out;
  }

  // Feeds the page's entries merged with the edits in its range [.., hi) to the chunker;
  // returns the index of the first edit not consumed.
  static std::size_t merge_page(const RecordPage& page, const Bytes* hi,
                                const std::vector<Edit>& edits, std::size_t i,
                                LevelChunker& chunker) {
    const std::vector<PageEntry>& es = page.entries;
    std::size_t p = 0;
    for (;;) {
      const bool have_edit =
          i < edits.size() && (hi == nullptr || compare_keys(edits[i].entry.key, *hi) < 0);
      const bool have_entry = p < es.size();
      if (!have_edit && !have_entry) return i;
      const int c = !have_edit ? 1 : !have_entry ? -1 : compare_keys(edits[i].entry.key, es[p].key);
      if (c > 0) {
        chunker.add(es[p++]);
        continue;
      }
      if (c == 0) ++p;  // replaced or deleted
      if (!edits[i].erase) chunker.add(edits[i].entry);
      ++i;
    }
  }

  // Old pages' first keys become deletes, new pages become puts (a put wins over a delete
  // of the same key), merged in key order.
  static void emit_parent_edits(const std::vector<const Bytes*>& old_firsts,
                                std::vector<PageEntry>& made, std::vector<Edit>& out) {
    std::size_t a = 0, b = 0;
    while (a < old_firsts.size() || b < made.size()) {
      const int c = a == old_firsts.size() ? 1
                    : b == made.size()     ? -1
                                           : compare_keys(*old_firsts[a], made[b].key);
      if (c < 0) {
        out.push_back(Edit{PageEntry{*old_firsts[a], Digest{}, 0, 0, {}}, true});
        ++a;
      } else {
        if (c == 0) ++a;
        out.push_back(Edit{std::move(made[b]), false});
        ++b;
      }
    }
  }

  // The root is the lowest single-page level: descend while the top page has one child.
  Digest collapse(Digest id) {
    for (;;) {
      auto it = pending_.find(id);
      PageDecoder d(id, it != pending_.end() ? ByteView{it->second} : store_.get_page(id));
      if (d.is_leaf() || d.size() != 1) return id;
      d.next();
      id = d.digest();
    }
  }

  // Puts the new pages reachable from `id`, children first. Old pages are already stored.
  void write_reachable(const Digest& id) {
    auto it = pending_.find(id);
    if (it == pending_.end() || old_ids_.contains(id)) return;
    const Bytes page = std::move(it->second);
    pending_.erase(it);
    PageDecoder d(id, page);
    if (!d.is_leaf())
      while (d.next()) write_reachable(d.digest());
    store_.put_page(id, page);
  }

  PageStore& store_;
  Digest root_;
  int height_ = 0;
  TreeStats old_;
  std::unordered_map<Digest, RecordPage> cache_;  // decoded old pages, by id
  std::vector<Digest> cached_ids_;
  std::unordered_set<Digest> old_ids_;         // every old page read
  std::unordered_map<Digest, Bytes> pending_;  // new pages, not yet put
};

// Checks order and key sizes; converts to level-0 edits.
std::vector<Edit> leaf_edits(std::span<const Mutation> mutations) {
  std::vector<Edit> edits;
  edits.reserve(mutations.size());
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    const Mutation& m = mutations[i];
    if (m.key.size() > kMaxKeyBytes)
      fail(ErrorCode::InvalidArgument, "record key of " + std::to_string(m.key.size()) +
                                           " bytes is longer than " + std::to_string(kMaxKeyBytes));
    if (i > 0 && compare_keys(mutations[i - 1].key, m.key) >= 0)
      fail(ErrorCode::InvalidArgument,
           "mutations must be sorted by key with no duplicates (at index " + std::to_string(i) +
               ")");
    Edit e;
    e.erase = !m.value;
    if (m.value) {
      e.entry = PageEntry::record(m.key, *m.value);
    } else {
      e.entry.key = m.key;
    }
    edits.push_back(std::move(e));
  }
  return edits;
}

}  // namespace

TreeStats apply_mutations(PageStore& store, const Digest& root,
                          std::span<const Mutation> mutations) {
  std::vector<Edit> edits = leaf_edits(mutations);
  if (root.is_zero()) {
    std::vector<std::pair<Bytes, RecordValue>> entries;
    for (Edit& e : edits)
      if (!e.erase) entries.emplace_back(std::move(e.entry.key), e.entry.value());
    return build_tree(store, entries);
  }
  return TreeEditor(store, root).run(std::move(edits));
}

}  // namespace hangar
