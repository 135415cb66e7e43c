// Large tensors at chunk level: grid choice, slice semantics (against a naive numpy-style
// reference), slice reads that need only the chunks they touch, region writes that store only
// the chunks they touch, and the column -> backend routing.
#include <hangar/error.h>
#include <hangar/repository.h>
#include <hangar/slice.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "model/chunk_grid.h"
#include "model/chunked_io.h"
#include "repo/backend_choice.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("chunked") {}
  detail::RepoState& state() { return detail::state_of(repo); }
  Descriptor descriptor(const SampleId& sample) {
    auto txn = state().meta.begin_read();
    return state().descriptor_of(txn, sample);
  }
  Descriptor staged_descriptor(std::string_view col, const Key& key) {
    return descriptor(repo.staged_view().find(col, key)->sample);
  }
};

std::uint64_t product(const Shape& s) {
  std::uint64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// float32 with distinct values, so any misplaced element shows.
Tensor iota_f32(const Shape& shape, float offset = 0) {
  Tensor t(DType::Float32, shape);
  float* p = t.as<float>();
  for (std::uint64_t i = 0; i < product(shape); ++i) p[i] = static_cast<float>(i) + offset;
  return t;
}

ColumnSchema column(std::string name, DType dtype, Shape shape,
                    BackendChoice backend = BackendChoice::Auto) {
  ColumnSchema s;
  s.name = std::move(name);
  s.dtype = dtype;
  s.shape = std::move(shape);
  s.backend = backend;
  return s;
}

// numpy's range(*slice(start, stop, step).indices(n)), written out position by position.
std::vector<std::int64_t> reference_positions(const SliceItem& it, std::int64_t n) {
  if (it.kind == SliceItem::Kind::Index) return {it.index < 0 ? it.index + n : it.index};
  const std::int64_t step = it.step.value_or(1);
  auto norm = [&](std::int64_t v) { return v < 0 ? v + n : v; };
  std::vector<std::int64_t> out;
  if (step > 0) {
    const std::int64_t lo = it.start ? std::clamp<std::int64_t>(norm(*it.start), 0, n) : 0;
    const std::int64_t hi = it.stop ? std::clamp<std::int64_t>(norm(*it.stop), 0, n) : n;
    for (std::int64_t i = lo; i < hi; i += step) out.push_back(i);
  } else {
    const std::int64_t hi = it.start ? std::clamp<std::int64_t>(norm(*it.start), -1, n - 1) : n - 1;
    const std::int64_t lo = it.stop ? std::clamp<std::int64_t>(norm(*it.stop), -1, n - 1) : -1;
    for (std::int64_t i = hi; i > lo; i += step) out.push_back(i);
  }
  return out;
}

// Element-by-element slice of a C-order tensor (no ellipsis; missing items are whole dims).
Tensor reference_slice(const Tensor& t, const Slice& slice) {
  const std::size_t nd = t.shape().size();
  std::vector<std::vector<std::int64_t>> pos(nd);
  Shape out_shape;
  for (std::size_t d = 0; d < nd; ++d) {
    const SliceItem it = d < slice.items.size() ? slice.items[d] : SliceItem{};
    pos[d] = reference_positions(it, static_cast<std::int64_t>(t.shape()[d]));
    if (it.kind != SliceItem::Kind::Index) out_shape.push_back(pos[d].size());
  }
  Tensor out(t.dtype(), out_shape);
  const std::size_t elem = dtype_size(t.dtype());
  std::uint64_t n = 1;
  for (auto& p : pos) n *= p.size();
  std::vector<std::size_t> idx(nd, 0);
  for (std::uint64_t o = 0; o < n; ++o) {
    std::uint64_t src = 0;
    for (std::size_t d = 0; d < nd; ++d)
      src = src * t.shape()[d] + static_cast<std::uint64_t>(pos[d][idx[d]]);
    std::memcpy(out.mutable_data().data() + o * elem, t.data().data() + src * elem, elem);
    for (std::size_t d = nd; d-- > 0;) {
      if (++idx[d] < pos[d].size()) break;
      idx[d] = 0;
    }
  }
  return out;
}

// Stores `t` cut on an arbitrary grid into `chunks`; returns its descriptor.
Descriptor store_on_grid(storage::Chunks& chunks, const Tensor& t, const Shape& chunk_shape) {
  const ChunkGrid grid{t.shape(), chunk_shape};
  const std::size_t elem = dtype_size(t.dtype());
  Descriptor d{t.dtype(), t.shape(), chunk_shape, {}};
  std::vector<storage::EncodedChunk> encoded;
  for (std::uint64_t i = 0; i < grid.chunk_count(); ++i) {
    Bytes block(block_bytes(grid, elem, i));
    gather_block(grid, elem, t.data(), i, block);
    encoded.push_back(storage::encode_chunk(block, 1));
    d.chunks.push_back(encoded.back().digest);
  }
  chunks.write(encoded);
  return d;
}

}  // namespace

TEST_CASE("Chunked: grid choice is deterministic, one chunk up to 4 MiB, 1 MiB blocks beyond",
          "[core][chunked]") {
  CHECK(choose_grid(DType::Float32, {1024, 1024}).chunk_count() == 1);  // exactly 4 MiB
  CHECK(choose_grid(DType::UInt8, {64, 64, 3}).chunk_count() == 1);
  const ChunkGrid big = choose_grid(DType::Float32, {256, 256, 256});  // 64 MiB
  CHECK(big.chunk_shape == Shape{64, 64, 64});
  CHECK(big.chunk_count() == 64);
  for (std::uint64_t i = 0; i < big.chunk_count(); ++i)
    CHECK(block_bytes(big, 4, i) <= kBlockTarget);
  // Equal tensors give equal chunks and equal sample ids.
  const Tensor t = iota_f32({40, 300, 300});  // 14.4 MB
  const PreparedSample a = prepare_sample(t.view(), 3), b = prepare_sample(t.view(), 3);
  CHECK(a.id == b.id);
  REQUIRE(a.chunks.size() == b.chunks.size());
  CHECK(a.chunks.size() > 8);
  for (std::size_t i = 0; i < a.chunks.size(); ++i) CHECK(a.chunks[i].digest == b.chunks[i].digest);
}

TEST_CASE("Chunked: parse_slice and resolve_slice follow numpy", "[core][chunked][slice]") {
  const Slice s = parse_slice(" 0:10 , : ,5,::-2, ..., -1:");
  REQUIRE(s.items.size() == 6);
  CHECK(s.items[2].kind == SliceItem::Kind::Index);
  CHECK(s.items[3].step == -2);
  CHECK(s.items[4].kind == SliceItem::Kind::Ellipsis);
  CHECK(parse_slice(s.to_string()) == s);
  CHECK(parse_slice("").items.empty());
  for (const char* bad :
       {"1:2:3:4", "a", "1:x", "::0", "...,...", "1,,2", "99999999999999999999"}) {
    INFO(bad);
    CHECK(error_of([&] { parse_slice(bad); }).code() == ErrorCode::InvalidArgument);
  }
  // Python/numpy results for np.arange(10)[spec].
  const std::vector<std::pair<const char*, std::vector<std::int64_t>>> known = {
      {"::-3", {9, 6, 3, 0}},
      {"-3:", {7, 8, 9}},
      {"8:2:-2", {8, 6, 4}},
      {"5:-100:-1", {5, 4, 3, 2, 1, 0}},
      {"3:3", {}},
      {"1:8:3", {1, 4, 7}},
      {"9:0:-4", {9, 5, 1}},
      {"-2::-2", {8, 6, 4, 2, 0}},
      {"100::-1", {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
  };
  for (const auto& [spec, want] : known) {
    INFO(spec);
    const ResolvedSlice r = resolve_slice(parse_slice(spec), {10});
    std::vector<std::int64_t> got;
    for (std::uint64_t k = 0; k < r.dims[0].count; ++k)
      got.push_back(r.dims[0].start + static_cast<std::int64_t>(k) * r.dims[0].step);
    CHECK(got == want);
  }
  const ResolvedSlice r = resolve_slice(parse_slice("...,2"), {4, 5, 6});
  CHECK(r.out_shape == Shape{4, 5});
  CHECK_FALSE(r.dims[2].keep);
  CHECK(resolve_slice(parse_slice("-4"), {4}).dims[0].start == 0);
  CHECK_THAT(error_of([&] {
               resolve_slice(parse_slice("0,4"), {3, 4});
             }).what(),
             Catch::Contains("index 4 is out of bounds for dimension 1 of size 4"));
  CHECK(error_of([&] { resolve_slice(parse_slice("-5"), {4}); }).code() ==
        ErrorCode::InvalidArgument);
  CHECK_THAT(error_of([&] {
               resolve_slice(parse_slice("0,0,0"), {3, 4});
             }).what(),
             Catch::Contains("too many indices"));
}

TEST_CASE("Chunked: slice reads match a naive reference on random shapes and grids",
          "[core][chunked][slice]") {
  testing::StorageTempDir dir("slices");
  auto chunks = storage::Chunks::open(dir.path(), false);
  auto reader = chunks.reader();
  std::mt19937_64 rng(2024);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  for (int iter = 0; iter < 300; ++iter) {
    Shape shape(static_cast<std::size_t>(pick(1, 4)));
    for (auto& d : shape) d = static_cast<std::uint64_t>(pick(1, 12));
    Shape chunk(shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d)
      chunk[d] = static_cast<std::uint64_t>(pick(1, static_cast<std::int64_t>(shape[d])));
    const Tensor t = iota_f32(shape, static_cast<float>(iter) * 1000);
    const Descriptor desc = store_on_grid(chunks, t, chunk);
    Slice slice;
    const auto items = static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(shape.size())));
    for (std::size_t d = 0; d < items; ++d) {
      const auto n = static_cast<std::int64_t>(shape[d]);
      SliceItem it;
      if (pick(0, 4) == 0) {
        it.kind = SliceItem::Kind::Index;
        it.index = pick(-n, n - 1);
      } else {
        if (pick(0, 2)) it.start = pick(-n - 2, n + 2);
        if (pick(0, 2)) it.stop = pick(-n - 2, n + 2);
        if (pick(0, 1)) it.step = pick(0, 1) ? pick(1, 4) : -pick(1, 4);
      }
      slice.items.push_back(it);
    }
    INFO("shape " << shape_to_string(shape) << " chunk " << shape_to_string(chunk) << " slice '"
                  << slice.to_string() << "'");
    const Tensor want = reference_slice(t, slice);
    const Tensor got = read_sample_slice(reader, desc, resolve_slice(slice, shape));
    CHECK(got.shape() == want.shape());
    CHECK(got == want);
  }
}

TEST_CASE("Chunked: a slice read needs only the chunks the slice touches", "[core][chunked]") {
  TempRepo r;
  r.repo.create_column(column("vol", DType::Float32, {64, 256, 256}));  // 16 MiB: 16 blocks
  const Tensor t = iota_f32({64, 256, 256});
  r.repo.put("vol", Key(std::uint64_t{1}), std::nullopt, t.view());
  r.repo.commit("volume");
  const Descriptor d = r.staged_descriptor("vol", Key(std::uint64_t{1}));
  REQUIRE(d.chunk_shape == Shape{64, 64, 64});
  REQUIRE(d.chunks.size() == 16);

  const Slice slice = parse_slice("10:20, 70:100, -1");  // blocks (0,1,3) only
  const ChunkGrid grid{d.shape, d.chunk_shape};
  const auto needed = blocks_touching(grid, {10, 70, 255}, {10, 30, 1});
  REQUIRE(needed == std::vector<std::uint64_t>{7});
  // Forget every other chunk, as a partial clone would: the slice still reads.
  std::vector<Digest> others;
  for (std::uint64_t i = 0; i < d.chunks.size(); ++i)
    if (i != 7) others.push_back(d.chunks[i]);
  r.state().chunks.index().remove(others);
  const Checkout head = r.repo.checkout_at(*r.repo.head());
  const Tensor got = head.get_slice("vol", Key(std::uint64_t{1}), std::nullopt, slice);
  CHECK(got.shape() == Shape{10, 30});
  CHECK(got == reference_slice(t, slice));
  CHECK(error_of([&] { head.get("vol", Key(std::uint64_t{1})); }).code() == ErrorCode::NotLocal);
  const Error e = error_of([&] {
    head.get_slice("vol", Key(std::uint64_t{1}), std::nullopt, parse_slice("0, 0:100, 0"));
  });
  CHECK(e.code() == ErrorCode::NotLocal);  // this one needs blocks 0 and 4, both forgotten
}

TEST_CASE("Chunked: reads on several threads and into a caller's buffer give the same tensor",
          "[core][chunked]") {
  TempRepo r;
  r.repo.create_column(column("vol", DType::Float32, {40, 200, 300}));  // 9.6 MB: 16 blocks
  const Tensor t = iota_f32({40, 200, 300});
  const Key key(std::uint64_t{3});
  r.repo.put("vol", key, std::nullopt, t.view());
  Checkout view = r.repo.staged_view();
  const SampleRef ref = *view.find("vol", key);
  const Slice slice = parse_slice("::3, 17:-20:7, 299:0:-13");
  for (unsigned threads : {1u, 2u, 4u, 64u}) {
    INFO(threads << " threads");
    view.set_read_threads(threads);
    CHECK(view.read(ref) == t);
    Tensor into(DType::Float32, {40, 200, 300});
    view.read_into(ref, into.mutable_data());
    CHECK(into == t);
    CHECK(view.read_slice(ref, slice) == reference_slice(t, slice));
  }
  Bytes small(100);
  CHECK(error_of([&] { view.read_into(ref, small); }).code() == ErrorCode::InvalidArgument);
  // An error on a helper thread reaches the caller.
  const Descriptor d = r.staged_descriptor("vol", key);
  r.state().chunks.index().remove(std::vector<Digest>{d.chunks.back()});
  view.set_read_threads(4);
  const Checkout fresh = r.repo.staged_view();
  CHECK(error_of([&] { (void)fresh.read(ref); }).code() == ErrorCode::NotLocal);
}

TEST_CASE("Chunked: a region write stores only the chunks it touches", "[core][chunked]") {
  TempRepo r;
  r.repo.create_column(column("vol", DType::Float32, {64, 256, 256}));
  const Key key(std::uint64_t{7});
  Tensor t = iota_f32({64, 256, 256});
  r.repo.put("vol", key, std::nullopt, t.view());
  r.repo.commit("volume");
  const Descriptor before = r.staged_descriptor("vol", key);
  const std::uint64_t chunks0 = r.state().chunks.stats().chunks;
  CHECK(chunks0 == 16);

  // A 10x20x30 patch inside block (0,1,2): one new chunk.
  Tensor patch = iota_f32({10, 20, 30}, -1e6f);
  r.repo.put_region("vol", key, std::nullopt, {5, 70, 130}, patch.view());
  CHECK(r.state().chunks.stats().chunks == chunks0 + 1);
  const Descriptor after = r.staged_descriptor("vol", key);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < before.chunks.size(); ++i)
    differing += before.chunks[i] != after.chunks[i];
  CHECK(differing == 1);
  CHECK(before.chunks[6] != after.chunks[6]);

  // Expected content, then a patch across a block boundary: two more chunks.
  copy_box(patch.data(), patch.shape(), {0, 0, 0}, t.mutable_data(), t.shape(), {5, 70, 130},
           patch.shape(), 4);
  Tensor wide = iota_f32({1, 4, 256}, -5e6f);  // spans all four blocks along the last dim
  r.repo.put_region("vol", key, std::nullopt, {63, 62, 0}, wide.view());
  copy_box(wide.data(), wide.shape(), {0, 0, 0}, t.mutable_data(), t.shape(), {63, 62, 0},
           wide.shape(), 4);
  CHECK(r.state().chunks.stats().chunks == chunks0 + 1 + 8);  // rows 62..65 span 2x4 blocks
  CHECK(r.repo.staged_view().get("vol", key) == t);
  r.repo.commit("edit");
  CHECK(r.repo.checkout_at(*r.repo.head()).get("vol", key) == t);

  // Writing what is there changes nothing.
  const std::uint64_t chunks1 = r.state().chunks.stats().chunks;
  const Tensor same =
      r.repo.staged_view().get_slice("vol", key, std::nullopt, parse_slice("0:3, 0:3, 0:3"));
  r.repo.put_region("vol", key, std::nullopt, {0, 0, 0}, same.view());
  CHECK(r.state().chunks.stats().chunks == chunks1);
  CHECK(r.repo.status().clean());

  // Bad regions.
  CHECK(error_of([&] {
          r.repo.put_region("vol", key, std::nullopt, {60, 0, 0}, patch.view());
        }).code() == ErrorCode::InvalidArgument);
  const Tensor ints(DType::Int32, {1, 1, 1});
  CHECK_THAT(error_of([&] {
               r.repo.put_region("vol", key, std::nullopt, {0, 0, 0}, ints.view());
             }).what(),
             Catch::Contains("region is int32, the sample float32"));
  CHECK(error_of([&] {
          r.repo.put_region("vol", Key(std::uint64_t{8}), std::nullopt, {0, 0, 0}, patch.view());
        }).code() == ErrorCode::NotFound);
}

TEST_CASE("Chunked: columns route chunks to lmdb or hdf5", "[core][chunked][backend]") {
  CHECK(chunk_backend(column("a", DType::Float32, {512, 512})) == storage::BackendCode::Hdf5);
  CHECK(chunk_backend(column("a", DType::Float32, {511, 511})) == storage::BackendCode::Lmdb);
  CHECK(chunk_backend(column("a", DType::UInt8, {64, 64, 3}, BackendChoice::Hdf5)) ==
        storage::BackendCode::Hdf5);
  CHECK(chunk_backend(column("a", DType::Float32, {4096, 4096}, BackendChoice::Lmdb)) ==
        storage::BackendCode::Lmdb);
  ColumnSchema var = column("a", DType::Float32, {4096, 4096});
  var.variable_shape = true;
  CHECK(chunk_backend(var) == storage::BackendCode::Lmdb);
  CHECK(chunk_backend(column("a", DType::Float64, {1u << 31, 1u << 31})) ==
        storage::BackendCode::Hdf5);  // no overflow

  TempRepo r;
  r.repo.create_column(column("big", DType::Float32, {16, 128, 128}));  // 1 MiB: hdf5 (auto)
  r.repo.create_column(column("small", DType::Float32, {16, 16}));      // lmdb (auto)
  const Tensor big = iota_f32({16, 128, 128}), small = iota_f32({16, 16});
  r.repo.put("big", Key(std::uint64_t{0}), std::nullopt, big.view());
  r.repo.put("small", Key(std::uint64_t{0}), std::nullopt, small.view());
  r.repo.commit("two backends");
  auto where = [&](std::string_view col) {
    const Descriptor d = r.staged_descriptor(col, Key(std::uint64_t{0}));
    return r.state().chunks.find(d.chunks.at(0))->backend;
  };
  CHECK(where("big") == storage::BackendCode::Hdf5);
  CHECK(where("small") == storage::BackendCode::LmdbSegments);  // lmdb type, layout "l1"
  CHECK(fs::is_directory(r.dir / ".hangar/chunks/hdf5"));
  { const Repository closing = std::move(r.repo); }  // close before reopening (one env each)
  r.repo = Repository::open(r.dir.path(), Repository::Mode::Read);
  const Checkout head = r.repo.checkout_at(*r.repo.head());
  CHECK(head.get("big", Key(std::uint64_t{0})) == big);
  CHECK(head.get_slice("big", Key(std::uint64_t{0}), std::nullopt, parse_slice("3,::7,-1")) ==
        reference_slice(big, parse_slice("3,::7,-1")));
  CHECK(head.get("small", Key(std::uint64_t{0})) == small);
}

}  // namespace hangar
