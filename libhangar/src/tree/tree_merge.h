// Key-level three-way merge of record trees (the per-key rule of merge.h), and an in-memory
// page overlay for trees that must never reach disk (virtual merge bases, see merge_base.h).
// Below merge.cc; knows nothing of repositories, only of PageStores.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/merge.h>

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tree/record_tree.h"

namespace hangar {

// What a conflicting key becomes in the plan.
enum class TreeResolution : std::uint8_t {
  None,     // nothing (ours stays); the caller must not write the result when conflicts exist
  Ours,     // ours' value (nothing to do)
  Theirs,   // theirs' value (or its deletion)
  Virtual,  // virtual_conflict_value(): for virtual merge bases only
};

// Per-key choices that override a plan's resolution for the keys they list (merge --resolve),
// by record key bytes held in a string (std::map over Bytes trips GCC 12's false
// -Wstringop-overread).
using KeyResolutions = std::map<std::string, TreeResolution>;
inline std::string key_resolution_key(ByteView record_key) {
  return std::string(reinterpret_cast<const char*>(record_key.data()), record_key.size());
}

struct KeyConflict {
  Bytes key;  // record key (Key::encoded, + subkey for nested columns)
  ConflictKind kind = ConflictKind::BothModified;
};

// The changes that turn ours into the merge result, and the conflicts met on the way.
struct TreeMergePlan {
  std::vector<Mutation> mutations;     // strictly increasing keys: apply onto ours' tree
  std::vector<KeyConflict> conflicts;  // in key order
};

// Plans the merge of trees `ours` and `theirs` against `base` (all-zero digests are empty
// trees). Streams diff_trees(base, ours) against diff_trees(base, theirs), so it reads only
// the pages on which a side differs from the base, and holds theirs' changes in memory.
// REQUIRES: nothing is put into `store` during the call. Throws: NotFound, Corrupt.
// A conflicting key listed in `per_key` is resolved as it says, the others as `how` says.
TreeMergePlan plan_tree_merge(PageStore& store, const Digest& base, const Digest& ours,
                              const Digest& theirs, TreeResolution how,
                              const KeyResolutions& per_key = {});

// The value a virtual merge base gives a key its two parents disagree on: a descriptor
// reference to a fixed digest that is the identity of no real sample, so both sides of the
// outer merge differ from it.
RecordValue virtual_conflict_value() noexcept;
// Likewise the schema digest of a column whose schema the virtual merge could not decide.
Digest virtual_conflict_schema() noexcept;

// A PageStore that keeps new pages in memory and reads the others from `below`. Pages put
// here are never written to `below`. Not thread-safe; views stay valid for its lifetime
// (pages are never replaced) or until `below` invalidates its own.
class OverlayPageStore final : public PageStore {
 public:
  explicit OverlayPageStore(PageStore& below) : below_(below) {}
  ByteView get_page(const Digest& id) override;
  void put_page(const Digest& id, ByteView bytes) override;
  std::size_t size() const noexcept { return pages_.size(); }

 private:
  PageStore& below_;
  std::unordered_map<Digest, Bytes> pages_;
};

}  // namespace hangar
