// Chunk grid choice and block copies.
#include "model/chunk_grid.h"

#include <cstdint>
#include <cstring>

namespace hangar {
namespace {

std::uint64_t product(const Shape& s) {
  std::uint64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// The grid rule's block size in bytes, saturating instead of wrapping: only a tensor with no
// elements can have dims whose product overflows, and its grid must still follow the rule.
std::uint64_t saturated_bytes(const Shape& s, std::uint64_t elem) {
  std::uint64_t n = elem;
  for (auto d : s) {
    if (d != 0 && n > UINT64_MAX / d) return UINT64_MAX;
    n *= d;
  }
  return n;
}

// Visits each contiguous run of a block: calls fn(tensor_offset_elems, block_offset_elems,
// run_elems). The last dim of the block is contiguous in both layouts.
template <typename Fn>
void for_each_run(const Shape& shape, const Shape& origin, const Shape& extent, Fn fn) {
  const std::size_t nd = shape.size();
  if (nd == 0) {
    fn(0, 0, 1);
    return;
  }
  for (auto e : extent)
    if (e == 0) return;
  std::vector<std::uint64_t> stride(nd, 1);
  for (std::size_t d = nd - 1; d > 0; --d) stride[d - 1] = stride[d] * shape[d];
  Shape idx(nd, 0);  // position within the block, last dim stays 0
  const std::uint64_t run = extent[nd - 1];
  std::uint64_t block_off = 0;
  while (true) {
    std::uint64_t t = 0;
    for (std::size_t d = 0; d < nd; ++d) t += (origin[d] + idx[d]) * stride[d];
    fn(t, block_off, run);
    block_off += run;
    std::size_t d = nd - 1;
    while (d > 0) {
      --d;
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
      if (d == 0) return;
    }
    if (nd == 1) return;
  }
}

}  // namespace

ChunkGrid choose_grid(DType dtype, const Shape& shape) {
  // docs/format/objects.md#chunk-grid. Blocks are cut close to cubes so that a sub-array in
  // any direction touches few of them, and smaller than the chunk target so that a small
  // slice or region edit costs a small fraction of a large tensor.
  ChunkGrid g{shape, shape};
  for (auto& d : g.chunk_shape) d = d == 0 ? 1 : d;
  const std::uint64_t elem = dtype_size(dtype);
  if (saturated_bytes(g.chunk_shape, elem) <= kChunkTarget) return g;
  while (saturated_bytes(g.chunk_shape, elem) > kBlockTarget) {
    // The largest dim is >= 2 here: a block of all-1 dims holds one element (<= 8 bytes).
    std::size_t widest = 0;
    for (std::size_t d = 1; d < g.chunk_shape.size(); ++d)
      if (g.chunk_shape[d] > g.chunk_shape[widest]) widest = d;
    g.chunk_shape[widest] = (g.chunk_shape[widest] + 1) / 2;
  }
  return g;
}

std::uint64_t ChunkGrid::chunk_count() const {
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    n *= (shape[d] + chunk_shape[d] - 1) / chunk_shape[d];
  return n;
}

void ChunkGrid::block(std::uint64_t i, Shape& origin, Shape& extent) const {
  const std::size_t nd = shape.size();
  origin.assign(nd, 0);
  extent.assign(nd, 0);
  for (std::size_t d = nd; d-- > 0;) {
    std::uint64_t per = (shape[d] + chunk_shape[d] - 1) / chunk_shape[d];
    std::uint64_t c = i % per;
    i /= per;
    origin[d] = c * chunk_shape[d];
    extent[d] = std::min(chunk_shape[d], shape[d] - origin[d]);
  }
}

std::uint64_t block_bytes(const ChunkGrid& grid, std::size_t elem, std::uint64_t i) {
  Shape origin, extent;
  grid.block(i, origin, extent);
  return product(extent) * elem;
}

void gather_block(const ChunkGrid& grid, std::size_t elem, ByteView tensor, std::uint64_t i,
                  MutableByteView out) {
  Shape origin, extent;
  grid.block(i, origin, extent);
  for_each_run(grid.shape, origin, extent, [&](std::uint64_t t, std::uint64_t b, std::uint64_t n) {
    std::memcpy(out.data() + b * elem, tensor.data() + t * elem, n * elem);
  });
}

void scatter_block(const ChunkGrid& grid, std::size_t elem, ByteView in, std::uint64_t i,
                   MutableByteView tensor) {
  Shape origin, extent;
  grid.block(i, origin, extent);
  for_each_run(grid.shape, origin, extent, [&](std::uint64_t t, std::uint64_t b, std::uint64_t n) {
    std::memcpy(tensor.data() + t * elem, in.data() + b * elem, n * elem);
  });
}

}  // namespace hangar
