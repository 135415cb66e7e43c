// The storage module's reclaim reports as libhangar's (maintenance.h): the public headers do not
// include storage (decision 0021), so gc and drop_local_chunks copy them field by field.
#pragma once

#include <hangar/maintenance.h>
#include <hangar/storage/chunks.h>

namespace hangar {

static_assert(kDefaultCompactThreshold == storage::kDefaultCompactThreshold);

inline CompactionStats compaction_of(const storage::CompactionStats& c) noexcept {
  return CompactionStats{.threshold = c.threshold,
                         .containers_compacted = c.containers_compacted,
                         .containers_emptied = c.containers_emptied,
                         .garbage_containers = c.garbage_containers,
                         .chunks_moved = c.chunks_moved,
                         .bytes_moved = c.bytes_moved,
                         .sparse_containers = c.sparse_containers,
                         .sparse_dead_bytes = c.sparse_dead_bytes,
                         .bytes_to_free = c.bytes_to_free};
}

inline SpaceReport space_of(const storage::ReclaimReport& r) noexcept {
  return SpaceReport{r.disk_bytes_before, r.disk_bytes_after, r.compacted, r.pending_bytes,
                     compaction_of(r.compaction)};
}

}  // namespace hangar
