// Key-level three-way merge of record trees.
//
// diff_trees(base, ours) and diff_trees(base, theirs) each list, in key order, the keys on
// which that side differs from the base; a key on neither list has one value on all three
// trees. Theirs' list is collected (O(their changes) memory), then ours' list is streamed
// against it: a key only theirs changed becomes a mutation of ours, a key only ours changed
// needs nothing, and a key both changed is equal (nothing) or a conflict. The cost is the
// pages where either side differs from the base, never the size of the trees.
#include "tree/tree_merge.h"

#include <hangar/error.h>

namespace hangar {
namespace {

struct SideChange {
  Bytes key;
  std::optional<RecordValue> base;
  std::optional<RecordValue> value;
};

ConflictKind kind_of(const std::optional<RecordValue>& base, const std::optional<RecordValue>& o,
                     const std::optional<RecordValue>& t) {
  if (!base) return ConflictKind::BothAdded;
  if (!o) return ConflictKind::DeletedModified;
  if (!t) return ConflictKind::ModifiedDeleted;
  return ConflictKind::BothModified;
}

}  // namespace

RecordValue virtual_conflict_value() noexcept {
  return {SampleId::of_descriptor(
              digest_of(as_bytes("hangar: virtual merge base: conflicting sample"))),
          0};
}

Digest virtual_conflict_schema() noexcept {
  return digest_of(as_bytes("hangar: virtual merge base: conflicting schema"));
}

TreeMergePlan plan_tree_merge(PageStore& store, const Digest& base, const Digest& ours,
                              const Digest& theirs, TreeResolution how,
                              const KeyResolutions& per_key) {
  TreeMergePlan plan;
  if (ours == theirs || theirs == base) return plan;
  std::vector<SideChange> theirs_changes;
  diff_trees(
      store, base, theirs,
      [&](ByteView key, const std::optional<RecordValue>& b, const std::optional<RecordValue>& t) {
        theirs_changes.push_back({to_bytes(key), b, t});
      });
  std::size_t i = 0;
  auto take_theirs = [&](const SideChange& c) { plan.mutations.push_back({c.key, c.value}); };
  auto both_changed = [&](ByteView key, const std::optional<RecordValue>& b,
                          const std::optional<RecordValue>& o,
                          const std::optional<RecordValue>& t) {
    if (o == t) return;
    plan.conflicts.push_back({to_bytes(key), kind_of(b, o, t)});
    const auto chosen = per_key.find(key_resolution_key(key));
    const TreeResolution resolve = chosen == per_key.end() ? how : chosen->second;
    if (resolve == TreeResolution::Theirs) plan.mutations.push_back({to_bytes(key), t});
    if (resolve == TreeResolution::Virtual)
      plan.mutations.push_back({to_bytes(key), virtual_conflict_value()});
  };
  if (ours != base) {
    diff_trees(store, base, ours,
               [&](ByteView key, const std::optional<RecordValue>& b,
                   const std::optional<RecordValue>& o) {
                 while (i < theirs_changes.size() && compare_keys(theirs_changes[i].key, key) < 0)
                   take_theirs(theirs_changes[i++]);
                 if (i < theirs_changes.size() && compare_keys(theirs_changes[i].key, key) == 0) {
                   both_changed(key, b, o, theirs_changes[i].value);
                   ++i;
                 }
               });
  }
  while (i < theirs_changes.size()) take_theirs(theirs_changes[i++]);
  return plan;
}

ByteView OverlayPageStore::get_page(const Digest& id) {
  auto it = pages_.find(id);
  if (it != pages_.end()) return it->second;
  return below_.get_page(id);
}

void OverlayPageStore::put_page(const Digest& id, ByteView bytes) {
  pages_.try_emplace(id, bytes.begin(), bytes.end());
}

}  // namespace hangar
