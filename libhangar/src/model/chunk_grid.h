// The deterministic chunk grid of a tensor: a function of (dtype, shape) only, so equal
// tensors always give equal chunks (docs/format/objects.md#chunk-grid). A tensor of at most
// kChunkTarget bytes is one chunk; a larger one is cut into blocks of at most kBlockTarget
// bytes by halving its largest block dimension (the first of equals) until a block fits.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/dtype.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <vector>

namespace hangar {

// Largest tensor stored as one chunk.
constexpr std::uint64_t kChunkTarget = 4u << 20;
// Largest block of a tensor cut into several chunks.
constexpr std::uint64_t kBlockTarget = 1u << 20;

struct ChunkGrid {
  Shape shape;        // the tensor's shape
  Shape chunk_shape;  // every dim >= 1; edge blocks are cut short
  std::uint64_t chunk_count() const;
  // The block at linear index `i` (row-major over the grid): its origin and extent.
  void block(std::uint64_t i, Shape& origin, Shape& extent) const;
};

ChunkGrid choose_grid(DType dtype, const Shape& shape);

// Copies block `i` of `tensor` into `out` (REQUIRES out.size() == block bytes).
void gather_block(const ChunkGrid& grid, std::size_t elem, ByteView tensor, std::uint64_t i,
                  MutableByteView out);
// Copies `in` (block `i`'s bytes) into its place in `tensor`.
void scatter_block(const ChunkGrid& grid, std::size_t elem, ByteView in, std::uint64_t i,
                   MutableByteView tensor);
std::uint64_t block_bytes(const ChunkGrid& grid, std::size_t elem, std::uint64_t i);

}  // namespace hangar
