// compaction.h: the threshold's check.
#include <hangar/base/compaction.h>
#include <hangar/error.h>

#include <string>

namespace hangar::storage {

void check_compact_threshold(double threshold) {
  if (!(threshold >= 0.0 && threshold <= 1.0))  // also NaN
    fail(ErrorCode::InvalidArgument,
         "compaction threshold " + std::to_string(threshold) + " is not between 0 and 1");
}

}  // namespace hangar::storage
