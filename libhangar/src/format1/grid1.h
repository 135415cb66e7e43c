// Format 1's chunk grid (docs/format/objects.md#chunk-grid at d7c92b1): a tensor of at most
// 4 MiB is one chunk; a larger one is cut into blocks of at most 1 MiB by halving the largest
// block dimension. Used to check descriptors and to put a sample's chunks back together.
// Part of the frozen format-1 reader.
#pragma once

#include <hangar/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hangar::format1 {

struct Grid1 {
  std::size_t elem = 1;  // element size in bytes
  std::vector<std::uint64_t> shape;
  std::vector<std::uint64_t> chunk_shape;

  // The grid of a tensor of dtype `code` and `shape`. Throws: Corrupt (an unknown dtype, more
  // than 31 dims, more than 1 TiB of data).
  static Grid1 choose(std::uint8_t code, const std::vector<std::uint64_t>& shape);

  std::uint64_t nbytes() const noexcept;       // the whole tensor
  std::uint64_t block_count() const noexcept;  // 0 when a dimension is 0; 1 for a scalar
  // Raw bytes of block `i` (row-major block order): its extent's elements.
  std::uint64_t block_bytes(std::uint64_t i) const;
  // Copies block `i` (C order, its extent) into its place in the whole tensor `out`.
  // REQUIRES: block.size() == block_bytes(i), out.size() == nbytes().
  void scatter(std::uint64_t i, ByteView block, MutableByteView out) const;

 private:
  void block_box(std::uint64_t i, std::vector<std::uint64_t>& origin,
                 std::vector<std::uint64_t>& extent) const;
};

}  // namespace hangar::format1
