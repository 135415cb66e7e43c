// Chunk-level access from the command line: `hangar get ... --slice SPEC` and
// `hangar put ... --region ORIGIN` (large tensors; see hangar/slice.h, Repository::put_region).
#pragma once

#include <hangar/slice.h>
#include <hangar/tensor.h>

#include <string>
#include <string_view>

namespace hangar::cli {

// numpy-style "0:10,:,5". Throws: UsageError naming the bad item.
Slice parse_slice_arg(std::string_view text);
// "0,128,0": the region's first coordinate per dimension. Throws: UsageError.
Shape parse_region_arg(std::string_view text);

}  // namespace hangar::cli
