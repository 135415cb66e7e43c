// Format 1's chunk grid (grid1.h).
#include "format1/grid1.h"

#include <hangar/error.h>

#include <algorithm>
#include <cstring>

#include "format1/objects1.h"

namespace hangar::format1 {
namespace {

constexpr std::uint64_t kChunkTarget = 4u << 20;  // T: at most this is one chunk
constexpr std::uint64_t kBlockTarget = 1u << 20;  // B: larger tensors get blocks of at most this
constexpr std::uint64_t kMaxTensorBytes = std::uint64_t{1} << 40;

// elem x product(dims) when at most kMaxTensorBytes, else kMaxTensorBytes + 1 (no overflow: a
// product is checked against the cap before each step).
std::uint64_t bytes_of(std::size_t elem, const std::vector<std::uint64_t>& dims) {
  std::uint64_t n = elem;
  for (std::uint64_t d : dims) {
    if (d != 0 && n > kMaxTensorBytes / d) return kMaxTensorBytes + 1;
    n *= d;
  }
  return n;
}

}  // namespace

Grid1 Grid1::choose(std::uint8_t code, const std::vector<std::uint64_t>& shape) {
  Grid1 g;
  g.elem = dtype1_size(code);
  if (g.elem == 0) fail(ErrorCode::Corrupt, "unknown dtype code " + std::to_string(code));
  if (shape.size() > 31) fail(ErrorCode::Corrupt, "more than 31 dimensions");
  if (bytes_of(g.elem, shape) > kMaxTensorBytes)
    fail(ErrorCode::Corrupt, "a tensor of more than 1 TiB");
  g.shape = shape;
  g.chunk_shape = shape;
  for (auto& c : g.chunk_shape) c = std::max<std::uint64_t>(c, 1);
  if (bytes_of(g.elem, g.chunk_shape) <= kChunkTarget) return g;
  while (bytes_of(g.elem, g.chunk_shape) > kBlockTarget) {
    auto largest = std::max_element(g.chunk_shape.begin(), g.chunk_shape.end());  // first of equals
    *largest = (*largest + 1) / 2;
  }
  return g;
}

std::uint64_t Grid1::nbytes() const noexcept { return bytes_of(elem, shape); }

std::uint64_t Grid1::block_count() const noexcept {
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    n *= (shape[d] + chunk_shape[d] - 1) / chunk_shape[d];
  return n;
}

void Grid1::block_box(std::uint64_t i, std::vector<std::uint64_t>& origin,
                      std::vector<std::uint64_t>& extent) const {
  const std::size_t nd = shape.size();
  origin.assign(nd, 0);
  extent.assign(nd, 0);
  for (std::size_t d = nd; d-- > 0;) {  // the digits of i in the grid's mixed radix
    const std::uint64_t along = (shape[d] + chunk_shape[d] - 1) / chunk_shape[d];
    origin[d] = (i % along) * chunk_shape[d];
    i /= along;
    extent[d] = std::min(chunk_shape[d], shape[d] - origin[d]);
  }
}

std::uint64_t Grid1::block_bytes(std::uint64_t i) const {
  std::vector<std::uint64_t> origin, extent;
  block_box(i, origin, extent);
  return bytes_of(elem, extent);
}

void Grid1::scatter(std::uint64_t i, ByteView block, MutableByteView out) const {
  const std::size_t nd = shape.size();
  if (nd == 0 || block_count() == 1) {
    std::memcpy(out.data(), block.data(), block.size());
    return;
  }
  std::vector<std::uint64_t> origin, extent;
  block_box(i, origin, extent);
  // Copy one run of the last dimension at a time; `at` counts over the other dimensions.
  const std::uint64_t run = extent[nd - 1] * elem;
  std::vector<std::uint64_t> at(nd, 0);
  for (std::uint64_t src = 0; src < block.size(); src += run) {
    std::uint64_t dst = 0;
    for (std::size_t d = 0; d < nd; ++d) dst = dst * shape[d] + origin[d] + at[d];
    std::memcpy(out.data() + dst * elem, block.data() + src, run);
    for (std::size_t d = nd - 1; d-- > 0;) {
      if (++at[d] < extent[d]) break;
      at[d] = 0;
    }
  }
}

}  // namespace hangar::format1
