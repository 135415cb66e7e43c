// Chunk-level access to large samples: sub-array reads that decode only the chunks a slice
// touches, and region writes that re-encode only the chunks a region touches (the other chunk
// digests are shared with the old sample). Private to libhangar.
#pragma once

#include <hangar/slice.h>
#include <hangar/storage/chunks.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "model/chunk_grid.h"
#include "model/descriptor.h"

namespace hangar {

// The block indices (row-major over the grid) that the box [origin, origin + extent) touches,
// ascending. REQUIRES: the box lies inside grid.shape.
std::vector<std::uint64_t> blocks_touching(const ChunkGrid& grid, const Shape& origin,
                                           const Shape& extent);

// A zero-filled tensor of d's dtype and shape. Large buffers ask the kernel for transparent
// huge pages first (Linux, when enabled in "madvise" mode): filling a fresh 64 MiB buffer page by
// page costs more than decoding it on some machines. Throws: like Tensor(dtype, shape).
Tensor new_tensor(const Descriptor& d);

// Threads a read of several chunks decodes on by default: min(hardware threads, 4).
unsigned default_read_threads() noexcept;

// Decodes every chunk of `d` into `out` (exactly d.nbytes() bytes, C order). With `chunks`
// given and `threads` > 1, a sample of several chunks is decoded on up to `threads` threads
// (the caller's plus helpers, each with its own reader of `chunks`); the calling thread uses
// `reader`. Throws: InvalidArgument (out size), NotLocal, Corrupt (the first error of any thread).
void read_sample_into(const storage::Chunks* chunks, storage::ChunkReader& reader,
                      const Descriptor& d, MutableByteView out, unsigned threads);

// Reads the elements `slice` selects from sample `d`; the result has slice.out_shape. Decodes
// only the chunks the slice touches, on up to `threads` threads as read_sample_into() does.
// REQUIRES: slice resolved against d.shape. Throws: NotLocal, Corrupt (like read_sample).
Tensor read_sample_slice(storage::ChunkReader& reader, const Descriptor& d,
                         const ResolvedSlice& slice, const storage::Chunks* chunks = nullptr,
                         unsigned threads = 1);

// The sample `d` with the box at `origin` replaced by `patch`. Only the chunks of blocks that
// the box touches are read (when partly covered) and re-encoded; `chunks` of the result holds
// just those whose bytes changed. Thread-safe apart from `reader`.
// Throws: InvalidArgument (dtype or rank differs, box outside the sample, bad patch size),
//         NotLocal / Corrupt (a partly covered chunk cannot be read).
PreparedSample patch_sample(storage::ChunkReader& reader, const Descriptor& d, const Shape& origin,
                            const TensorView& patch, int zstd_level);

// Copies the box of `extent` at `src_origin` in C-order array `src` (shape `src_shape`) to
// `dst_origin` in `dst` (shape `dst_shape`). REQUIRES: both boxes inside their arrays.
void copy_box(ByteView src, const Shape& src_shape, const Shape& src_origin, MutableByteView dst,
              const Shape& dst_shape, const Shape& dst_origin, const Shape& extent,
              std::size_t elem);

}  // namespace hangar
