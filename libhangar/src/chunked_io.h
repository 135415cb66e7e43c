// Chunk-level access to large samples: sub-array reads that decode only the chunks a slice
// touches, and region writes that re-encode only the chunks a region touches (the other chunk
// digests are shared with the old sample). Private to libhangar.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <hangar/slice.h>
#include <hangar/storage/chunks.h>
#include <hangar/tensor.h>

#include "chunk_grid.h"
#include "descriptor.h"

namespace hangar {

// The block indices (row-major over the grid) that the box [origin, origin + extent) touches,
// ascending. REQUIRES: the box lies inside grid.shape.
std::vector<std::uint64_t> blocks_touching(const ChunkGrid& grid, const Shape& origin,
                                           const Shape& extent);

// Reads the elements `slice` selects from sample `d`; the result has slice.out_shape.
// REQUIRES: slice resolved against d.shape. Throws: NotLocal, Corrupt (like read_sample).
Tensor read_sample_slice(storage::ChunkReader& reader, const Descriptor& d,
                         const ResolvedSlice& slice);

// The sample `d` with the box at `origin` replaced by `patch`. Only the chunks of blocks that
// the box touches are read (when partly covered) and re-encoded; `chunks` of the result holds
// just those whose bytes changed. Thread-safe apart from `reader`.
// Throws: InvalidArgument (dtype or rank differs, box outside the sample, bad patch size),
//         NotLocal / Corrupt (a partly covered chunk cannot be read).
PreparedSample patch_sample(storage::ChunkReader& reader, const Descriptor& d,
                            const Shape& origin, const TensorView& patch, int zstd_level);

// Copies the box of `extent` at `src_origin` in C-order array `src` (shape `src_shape`) to
// `dst_origin` in `dst` (shape `dst_shape`). REQUIRES: both boxes inside their arrays.
void copy_box(ByteView src, const Shape& src_shape, const Shape& src_origin, MutableByteView dst,
              const Shape& dst_shape, const Shape& dst_origin, const Shape& extent,
              std::size_t elem);

}  // namespace hangar
