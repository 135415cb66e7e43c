// Chunk-level merge of large samples (DESIGN "Diff and merge", merge.h): a key that both sides
// modified is not a conflict when base, ours and theirs hold tensors of one dtype and shape
// (so one chunk grid) and the two sides changed disjoint sets of grid blocks; the merged
// sample takes each block from the side that changed it. When a block was changed on both
// sides to different bytes, the conflict stays and names that block as its region.
// Private to libhangar; used by merge.cc between planning and applying a merge.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "model/descriptor.h"
#include "ops/merge_plan.h"
#include "repo/repo_state.h"
#include "tree/record_tree.h"

namespace hangar {

// The result of merging three descriptors block by block.
struct BlockMerge {
  std::optional<Descriptor> merged;      // disjoint changes: the merged sample
  std::optional<ConflictRegion> region;  // else the first block changed on both sides
};

// nullopt when the three samples do not share dtype, shape and grid (no chunk-level merge).
std::optional<BlockMerge> merge_blocks(const Descriptor& base, const Descriptor& ours,
                                       const Descriptor& theirs);

// Resolves the both-modified key conflicts of `plan` that merge_blocks() can merge: each is
// removed from plan.conflicts and its key set to the merged sample in its column's plan;
// the others that share a grid of several blocks get their region. Returns the encodings of the
// merged descriptor objects (none for inline samples), to be put into the object store if (and
// only if) the merge is written.
// REQUIRES: `plan` came from plan_state_merge(store, base, ours, theirs, ...), and `store`
// reads the pages of all three. Throws: Corrupt, NotFound (pages).
std::vector<Bytes> merge_chunked_conflicts(const detail::RepoState& st, const lmdb::Txn& txn,
                                           PageStore& store, const TreeState& base,
                                           const TreeState& ours, const TreeState& theirs,
                                           StateMergePlan& plan);

}  // namespace hangar
