// The chunk grid (docs/format/objects.md#chunk-grid): a pure function of (dtype, shape), one
// chunk up to kChunkTarget bytes, blocks of at most kBlockTarget bytes beyond, and block copies
// that tile the tensor exactly.
#include "model/chunk_grid.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace hangar {
namespace {

std::uint64_t product(const Shape& s) {
  std::uint64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(rng() & 0xff);
  return b;
}

// Checks block `i` of `grid` against an element-by-element walk of the tensor.
void check_block_contents(const ChunkGrid& grid, std::size_t elem, ByteView tensor, std::uint64_t i,
                          ByteView block) {
  Shape origin, extent;
  grid.block(i, origin, extent);
  const std::size_t nd = grid.shape.size();
  REQUIRE(block.size() == product(extent) * elem);
  if (block.empty()) return;
  Shape idx(nd, 0);
  for (std::uint64_t n = 0; n < product(extent); ++n) {
    std::uint64_t t = 0;
    for (std::size_t d = 0; d < nd; ++d) t = t * grid.shape[d] + origin[d] + idx[d];
    if (std::memcmp(block.data() + n * elem, tensor.data() + t * elem, elem) != 0) {
      FAIL_CHECK("block " << i << " element " << n << " differs");
      return;
    }
    for (std::size_t d = nd; d-- > 0;) {
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
    }
  }
}

// Gathers every block, checks each, scatters them into a zeroed tensor and compares.
void round_trip(const ChunkGrid& grid, std::size_t elem, std::uint64_t seed) {
  const Bytes tensor = random_bytes(product(grid.shape) * elem, seed);
  Bytes rebuilt(tensor.size(), std::byte{0});
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < grid.chunk_count(); ++i) {
    Bytes block(block_bytes(grid, elem, i));
    gather_block(grid, elem, tensor, i, block);
    check_block_contents(grid, elem, tensor, i, block);
    scatter_block(grid, elem, block, i, rebuilt);
    total += block.size();
  }
  CHECK(total == tensor.size());  // blocks tile the tensor: no overlap, no gap
  CHECK(rebuilt == tensor);
}

}  // namespace

TEST_CASE("Chunk grid: a tensor up to the chunk target is one chunk", "[core][chunk_grid]") {
  const std::vector<std::pair<DType, Shape>> small = {
      {DType::UInt8, {64, 64, 3}},
      {DType::Float32, {1024, 1024}},  // exactly 4 MiB
      {DType::Float64, {}},
      {DType::Bool, {1}},
      {DType::Int64, {2, 3, 4, 5, 6, 7}},
      {DType::UInt8, {4u << 20}},
  };
  for (const auto& [dtype, shape] : small) {
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const ChunkGrid g = choose_grid(dtype, shape);
    CHECK(g.shape == shape);
    CHECK(g.chunk_shape == shape);
    CHECK(g.chunk_count() == 1);
    CHECK(block_bytes(g, dtype_size(dtype), 0) == product(shape) * dtype_size(dtype));
  }
  // One element over the target is split.
  CHECK(choose_grid(DType::UInt8, {(4u << 20) + 1}).chunk_count() > 1);
  CHECK(choose_grid(DType::Float32, {1025, 1024}).chunk_count() > 1);
}

TEST_CASE("Chunk grid: a 64 MiB float32 256^3 tensor gets cubic blocks of at most 1 MiB",
          "[core][chunk_grid]") {
  const ChunkGrid g = choose_grid(DType::Float32, {256, 256, 256});
  CHECK(g.chunk_shape == Shape{64, 64, 64});
  CHECK(g.chunk_count() == 64);
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < g.chunk_count(); ++i) {
    CHECK(block_bytes(g, 4, i) <= kBlockTarget);
    total += block_bytes(g, 4, i);
  }
  CHECK(total == std::uint64_t{64} << 20);
  round_trip(g, 4, 256);
}

TEST_CASE("Chunk grid: the halving rule is frozen", "[core][chunk_grid]") {
  // Rows computed independently from the rule in docs/format/objects.md#chunk-grid.
  // Changing any row changes chunk digests, and so every sample identity: a format change.
  struct Row {
    DType dtype;
    Shape shape;
    Shape chunk;
  };
  const Row rows[] = {
      {DType::Float32, {256, 256, 256}, {64, 64, 64}},
      {DType::UInt16, {3, 1000, 1001}, {3, 500, 251}},  // 1001 -> 501 -> 251 (rounding up)
      {DType::UInt8, {1, 3, 5000000}, {1, 3, 312500}},
      {DType::Float64, {1000, 1000}, {250, 500}},  // ties: the first dim is halved first
      {DType::UInt8, {5, 700, 700, 3}, {5, 175, 350, 3}},
      {DType::Int64, {1u << 20}, {1u << 17}},
      {DType::UInt8, {(4u << 20) + 1}, {524289}},  // just over the target: 8 small blocks
      {DType::Float32, {4096, 4096}, {512, 512}},
      {DType::UInt8, {4096, 4096, 3}, {512, 512, 3}},
      // Zero dims count as 1 in the rule, so even an empty tensor's grid is the usual one.
      {DType::UInt8, {0, 1u << 30}, {1, 1u << 20}},
  };
  for (const Row& r : rows) {
    INFO(dtype_name(r.dtype) << " " << shape_to_string(r.shape));
    CHECK(choose_grid(r.dtype, r.shape).chunk_shape == r.chunk);
  }
}

TEST_CASE("Chunk grid: blocks never exceed the target and the choice is deterministic",
          "[core][chunk_grid]") {
  std::mt19937_64 rng(12345);
  const DType dtypes[] = {DType::Bool, DType::UInt16, DType::Float32, DType::Float64};
  for (int iter = 0; iter < 300; ++iter) {
    const DType dtype = dtypes[rng() % 4];
    Shape shape(1 + rng() % 5);
    for (auto& d : shape) d = 1 + rng() % (iter % 2 ? 5000 : 300);
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const ChunkGrid g = choose_grid(dtype, shape);
    CHECK(choose_grid(dtype, Shape(shape)).chunk_shape == g.chunk_shape);
    REQUIRE(g.chunk_shape.size() == shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d) {
      CHECK(g.chunk_shape[d] >= 1);
      CHECK(g.chunk_shape[d] <= shape[d]);
    }
    CHECK(product(g.chunk_shape) * dtype_size(dtype) <= kChunkTarget);
    // A tensor that fits is whole; a larger one is cut into blocks of at most kBlockTarget.
    if (product(shape) * dtype_size(dtype) <= kChunkTarget)
      CHECK(g.chunk_shape == shape);
    else
      CHECK(product(g.chunk_shape) * dtype_size(dtype) <= kBlockTarget);
    // Chunk count agrees with the per-dimension ceilings.
    std::uint64_t count = 1;
    for (std::size_t d = 0; d < shape.size(); ++d)
      count *= (shape[d] + g.chunk_shape[d] - 1) / g.chunk_shape[d];
    CHECK(g.chunk_count() == count);
  }
}

TEST_CASE("Chunk grid: scalars and zero-size dimensions", "[core][chunk_grid]") {
  const ChunkGrid scalar = choose_grid(DType::Float64, {});
  CHECK(scalar.chunk_count() == 1);
  CHECK(block_bytes(scalar, 8, 0) == 8);
  round_trip(scalar, 8, 1);

  for (const Shape& shape : {Shape{0}, Shape{0, 5}, Shape{5, 0}, Shape{3, 0, 7}}) {
    INFO(shape_to_string(shape));
    const ChunkGrid g = choose_grid(DType::Int32, shape);
    CHECK(g.chunk_count() == 0);  // no elements, no chunks
    for (auto d : g.chunk_shape) CHECK(d >= 1);
    round_trip(g, 4, 2);
  }
}

TEST_CASE("Chunk grid: empty tensors with huge dims follow the rule without overflow",
          "[core][chunk_grid]") {
  // 3 * 2^63 wraps around in 64 bits; the rule is about the real block size.
  const ChunkGrid g = choose_grid(DType::UInt8, {0, 3, std::uint64_t{1} << 63});
  CHECK(g.chunk_shape == Shape{1, 3, std::uint64_t{1} << 18});
  CHECK(g.chunk_count() == 0);
  const ChunkGrid h =
      choose_grid(DType::Float64, {std::uint64_t{1} << 62, std::uint64_t{1} << 62, 0});
  CHECK(h.chunk_shape == Shape{1u << 8, 1u << 9, 1});
  CHECK(h.chunk_count() == 0);
}

TEST_CASE("Chunk grid: gather/scatter round-trip over random grids with edge blocks",
          "[core][chunk_grid]") {
  // Any chunk shape must tile correctly, not only the ones choose_grid picks today.
  std::mt19937_64 rng(4242);
  const std::size_t elems[] = {1, 2, 4, 8};
  int with_edge_blocks = 0;  // grids whose last block in some dim is cut short
  for (int iter = 0; iter < 400; ++iter) {
    ChunkGrid g;
    g.shape.resize(rng() % 5);
    for (auto& d : g.shape) d = rng() % 9;
    g.chunk_shape.resize(g.shape.size());
    for (std::size_t d = 0; d < g.shape.size(); ++d)
      g.chunk_shape[d] = 1 + rng() % (g.shape[d] + 1);
    const std::size_t elem = elems[rng() % 4];
    INFO("shape " << shape_to_string(g.shape) << " chunk " << shape_to_string(g.chunk_shape)
                  << " elem " << elem);
    round_trip(g, elem, static_cast<std::uint64_t>(iter));
    for (std::size_t d = 0; d < g.shape.size(); ++d)
      if (g.shape[d] % g.chunk_shape[d] != 0) {
        ++with_edge_blocks;
        break;
      }
  }
  CHECK(with_edge_blocks > 100);  // the random grids really exercise edge blocks
}

TEST_CASE("Chunk grid: real grids with edge blocks round-trip", "[core][chunk_grid]") {
  const std::vector<std::pair<DType, Shape>> big = {
      {DType::UInt16, {3, 1000, 1001}},
      {DType::UInt8, {1, 3, 5000000}},
      {DType::UInt8, {5, 700, 700, 3}},
      {DType::Float64, {999, 1001}},
  };
  for (const auto& [dtype, shape] : big) {
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const ChunkGrid g = choose_grid(dtype, shape);
    CHECK(g.chunk_count() > 1);
    round_trip(g, dtype_size(dtype), 77);
  }
}

TEST_CASE("Chunk grid: edge blocks are cut short, as in the docs table", "[core][chunk_grid]") {
  const ChunkGrid g = choose_grid(DType::UInt16, {3, 1000, 1001});
  REQUIRE(g.chunk_count() == 8);
  Shape origin, extent;
  g.block(7, origin, extent);
  CHECK(origin == Shape{0, 500, 753});
  CHECK(extent == Shape{3, 500, 248});
  g.block(2, origin, extent);
  CHECK(origin == Shape{0, 0, 502});
  CHECK(extent == Shape{3, 500, 251});

  const ChunkGrid h = choose_grid(DType::UInt8, {(4u << 20) + 1});
  REQUIRE(h.chunk_count() == 8);
  h.block(7, origin, extent);
  CHECK(extent == Shape{524282});
}

}  // namespace hangar
