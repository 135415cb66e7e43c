// The storage module's reclaim report as libhangar's (maintenance.h): the public headers do not
// include storage (decision 0021), so gc and drop_local_chunks copy the disk figures across; the
// compaction report is base's type on both sides.
#pragma once

#include <hangar/maintenance.h>
#include <hangar/storage/chunks.h>

namespace hangar {

inline SpaceReport space_of(const storage::ReclaimReport& r) noexcept {
  return SpaceReport{r.disk_bytes_before, r.disk_bytes_after, r.compacted, r.pending_bytes,
                     r.compaction};
}

}  // namespace hangar
