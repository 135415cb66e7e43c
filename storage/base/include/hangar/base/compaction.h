// The vocabulary of reclaiming chunk space (decision 0013): the compaction threshold and the
// report of which containers a reclaim deletes, compacts or keeps. Storage fills it
// (Chunks::plan_reclaim, Chunks::reclaim); libhangar's gc and drop-data hand it on
// (hangar/maintenance.h); the CLI and the Python binding print it.
#pragma once

#include <cstdint>

namespace hangar::storage {

// gc's default threshold: a segment or pack whose live fraction is below it is compacted (each
// byte copied frees at least one, and no container keeps more dead bytes than live ones).
inline constexpr double kDefaultCompactThreshold = 0.5;
// Throws InvalidArgument unless 0 <= threshold <= 1 (NaN included).
void check_compact_threshold(double threshold);

// Which containers (l1 segments, h0 packs) a reclaim deletes, compacts or keeps, and what that
// frees. A container's live fraction = stored bytes of its indexed chunks / stored bytes of all
// its chunks. Before a reclaim (a plan, or a dry run) it is the plan; after one, the plan
// carried out (bytes_to_free stays the estimate).
struct CompactionStats {
  double threshold = kDefaultCompactThreshold;
  std::uint64_t containers_compacted = 0;  // live fraction below threshold: live chunks copied
                                           // into new containers, the old ones deleted
  std::uint64_t containers_emptied = 0;    // no live chunk left: deleted, nothing to copy
  // No index entry points into them and none did before this reclaim: left by a writer that
  // crashed (or a crashed reclaim's copies). Deleted only when no other process has the store
  // open (one of them may be writing it); counted in the plan either way.
  std::uint64_t garbage_containers = 0;
  std::uint64_t chunks_moved = 0;       // live chunks copied out of compacted containers
  std::uint64_t bytes_moved = 0;        // their stored bytes
  std::uint64_t sparse_containers = 0;  // partly dead, live fraction >= threshold: kept
  std::uint64_t sparse_dead_bytes = 0;  // the dead stored bytes they keep
  // Estimate, made before anything changes, of the disk bytes the reclaim frees when no other
  // process has the store open: the emptied and garbage containers, the dead share of the
  // compacted ones, dead l0 values and index entries, and the LMDB pages already free.
  std::uint64_t bytes_to_free = 0;
};

}  // namespace hangar::storage
