// Chunks::reclaim's census (private to storage): which l1 segments and h0 packs a reclaim
// deletes, compacts or keeps, from one index snapshot and every backend's list of containers
// (docs/decisions/0013-compacting-segments-and-packs.md).
#pragma once

#include <set>
#include <utility>
#include <vector>

#include "chunks_state.h"

namespace hangar::storage::reclaim {

// A container of one backend: (backend, id).
using Container = std::pair<BackendCode, std::uint64_t>;
using Containers = std::set<Container>;

// The container of `loc`, or nullopt (l0, empty chunk, or a backend this store lacks).
// Throws: Corrupt (bad record).
std::optional<Container> container_of(const Chunks::State& s, const ChunkLocation& loc);

struct Plan {
  CompactionStats stats;        // the estimate (chunks_moved, bytes_moved: what would be copied)
  Containers emptied;           // every indexed chunk is dead: delete
  Containers compact;           // live fraction below the threshold: copy the live chunks, delete
  Containers garbage;           // no index entry points in (deleted only under the exclusive lock)
  std::vector<Digest> l0_dead;  // dead chunks of backend l0 (deleted value by value)
};

// Step 1 of Chunks::reclaim (chunks.h): `dead` as if removed from the index, then every
// container classified by its live fraction. REQUIRES 0 <= threshold <= 1. Throws: Corrupt, Io.
Plan make_plan(const Chunks::State& s, std::span<const Digest> dead, double threshold);

// The containers no index entry points into, listed now (step 8a; ids only, no pack opened).
// Throws: Corrupt, Io.
Containers unreferenced(const Chunks::State& s);

// Bytes of an env's data file that compaction would give back: free pages and unused tail.
std::uint64_t pending_bytes_of(const lmdb::Env& env);

}  // namespace hangar::storage::reclaim
