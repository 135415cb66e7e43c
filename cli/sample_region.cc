// Parsing of --slice and --region values.
#include "sample_region.h"

#include <hangar/error.h>

#include "parse.h"

namespace hangar::cli {

Slice parse_slice_arg(std::string_view text) {
  try {
    return parse_slice(text);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidArgument) throw;
    throw UsageError(std::string("--slice: ") + e.what());
  }
}

Shape parse_region_arg(std::string_view text) {
  try {
    return parse_shape(text);
  } catch (const UsageError&) {
    throw UsageError("invalid --region '" + std::string(text) +
                     "': give the region's first index per dimension, like 0,128,0");
  }
}

}  // namespace hangar::cli
