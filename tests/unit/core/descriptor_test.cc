// Sample descriptors (docs/format/objects.md#sample-descriptor): sample identity, the canonical
// encoding, and reassembly of chunked tensors from a real chunk store.
#include "model/descriptor.h"

#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "model/chunk_grid.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

namespace hangar {
namespace {

Tensor random_tensor(DType dtype, Shape shape, std::uint64_t seed) {
  Tensor t(dtype, std::move(shape));
  std::mt19937_64 rng(seed);
  for (auto& b : t.mutable_data()) b = static_cast<std::byte>(rng() & 0xff);
  return t;
}

// The descriptor a prepared sample stands for: built from an inline id, or its object's.
Descriptor descriptor_of(const PreparedSample& s) {
  return s.id.is_inline() ? inline_descriptor(s.id) : decode_descriptor(s.descriptor);
}
// The canonical descriptor encoding of a sample, inline or not (what its object would hold).
Bytes descriptor_bytes(const PreparedSample& s) { return encode_descriptor(descriptor_of(s)); }

// The descriptor layout field by field.
struct DescriptorFields {
  std::uint8_t kind = 0x03;
  std::uint8_t version = 1;
  std::uint8_t dtype = 11;
  std::uint64_t ndim = 2;
  std::vector<std::uint64_t> shape = {4, 4};
  std::vector<std::uint64_t> chunk_shape = {4, 4};
  std::uint64_t nchunks = 1;
  std::vector<Digest> chunks = {digest_of(as_bytes("c"))};

  Bytes encode() const {
    Encoder e;
    e.u8(kind);
    e.u8(version);
    e.u8(dtype);
    e.varint(ndim);
    for (auto d : shape) e.varint(d);
    for (auto d : chunk_shape) e.varint(d);
    e.varint(nchunks);
    for (const auto& c : chunks) e.digest(c);
    return e.take();
  }
};

}  // namespace

TEST_CASE("Descriptor: equal tensors give equal ids", "[core][descriptor]") {
  const Tensor a = random_tensor(DType::Float32, {32, 32, 3}, 1);
  const Tensor b = random_tensor(DType::Float32, {32, 32, 3}, 1);
  const PreparedSample pa = prepare_sample(a.view(), 3);
  const PreparedSample pb = prepare_sample(b.view(), 19);  // the zstd level is not identity
  CHECK(pa.id == pb.id);
  CHECK(pa.descriptor == pb.descriptor);
  // One chunk: inline (no descriptor object), named by its dtype, shape and chunk digest.
  CHECK(pa.id.is_inline());
  CHECK(pa.descriptor.empty());
  CHECK(pa.id.digest() == digest_of(a.data()));
  CHECK(pa.id.dtype() == DType::Float32);
  CHECK(pa.id.shape() == Shape{32, 32, 3});
  CHECK(pa.nbytes == a.nbytes());
  CHECK(pa.id.nbytes() == a.nbytes());
  // Several chunks: a descriptor object, named by its digest.
  const Tensor big = random_tensor(DType::UInt8, {5 << 20}, 4);
  const PreparedSample pbig = prepare_sample(big.view(), 3);
  CHECK_FALSE(pbig.id.is_inline());
  CHECK(pbig.id == SampleId::of_descriptor(digest_of(pbig.descriptor)));
  CHECK(pbig.id == prepare_sample(big.view(), 1).id);

  const PreparedSample pc = prepare_sample(random_tensor(DType::Float32, {32, 32, 3}, 2).view(), 3);
  CHECK(pc.id != pa.id);
}

TEST_CASE("Descriptor: same bytes with another dtype or shape is another sample",
          "[core][descriptor]") {
  const Tensor base = random_tensor(DType::UInt8, {8, 4}, 5);
  const Bytes bytes(base.data().begin(), base.data().end());
  const PreparedSample p_u8 = prepare_sample(base.view(), 3);
  const PreparedSample p_i8 = prepare_sample(Tensor(DType::Int8, {8, 4}, bytes).view(), 3);
  const PreparedSample p_flat = prepare_sample(Tensor(DType::UInt8, {32}, bytes).view(), 3);
  const PreparedSample p_f32 = prepare_sample(Tensor(DType::Float32, {8}, bytes).view(), 3);
  CHECK(p_u8.id != p_i8.id);
  CHECK(p_u8.id != p_flat.id);
  CHECK(p_u8.id != p_f32.id);
  CHECK(p_i8.id != p_flat.id);
  // ... while the chunk bytes, and so the stored chunk, are shared.
  REQUIRE(p_u8.chunks.size() == 1);
  CHECK(p_u8.chunks[0].digest == p_i8.chunks[0].digest);
  CHECK(p_u8.chunks[0].digest == p_flat.chunks[0].digest);
  CHECK(p_u8.chunks[0].digest == p_f32.chunks[0].digest);
}

TEST_CASE("Descriptor: chunk digests are digests of the raw block bytes", "[core][descriptor]") {
  const Tensor small = random_tensor(DType::Int16, {10, 10}, 9);
  const PreparedSample ps = prepare_sample(small.view(), 3);
  REQUIRE(ps.chunks.size() == 1);
  CHECK(ps.chunks[0].digest == digest_of(small.data()));
  CHECK(descriptor_of(ps).chunks == std::vector<Digest>{digest_of(small.data())});

  const Tensor big = random_tensor(DType::UInt16, {3, 1000, 1001}, 10);  // 6 MB, with edges
  const PreparedSample pb = prepare_sample(big.view(), 1);
  const ChunkGrid grid = choose_grid(DType::UInt16, big.shape());
  REQUIRE(pb.chunks.size() == grid.chunk_count());
  REQUIRE(pb.chunks.size() > 1);
  const Descriptor d = descriptor_of(pb);
  CHECK(d.chunk_shape == grid.chunk_shape);
  for (std::uint64_t i = 0; i < grid.chunk_count(); ++i) {
    Bytes block(block_bytes(grid, 2, i));
    gather_block(grid, 2, big.data(), i, block);
    CHECK(pb.chunks[i].digest == digest_of(block));
    CHECK(d.chunks[i] == digest_of(block));
    CHECK(pb.chunks[i].raw_size == block.size());
  }
  CHECK(d.nbytes() == big.nbytes());
}

TEST_CASE("Descriptor: zero-size tensors have no chunks, scalars one", "[core][descriptor]") {
  const PreparedSample empty = prepare_sample(Tensor(DType::Float32, {0, 3}).view(), 3);
  CHECK(empty.chunks.empty());
  CHECK(empty.nbytes == 0);
  CHECK(descriptor_of(empty).chunks.empty());
  const PreparedSample other_empty = prepare_sample(Tensor(DType::Float32, {3, 0}).view(), 3);
  CHECK(other_empty.id != empty.id);

  const PreparedSample scalar = prepare_sample(random_tensor(DType::Int64, {}, 3).view(), 3);
  CHECK(scalar.chunks.size() == 1);
  CHECK(descriptor_of(scalar).shape.empty());
}

TEST_CASE("Descriptor: a view whose data does not match its shape is refused",
          "[core][descriptor]") {
  const Tensor big = random_tensor(DType::UInt16, {3, 1000, 1001}, 1);
  for (std::size_t size : {std::size_t{0}, big.nbytes() - 2, big.nbytes() / 2}) {
    const TensorView short_view{DType::UInt16, big.shape(), big.data().first(size)};
    const Error e = error_of([&] { prepare_sample(short_view, 3); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("uint16 [3,1000,1001]"));
  }
  const Tensor small = random_tensor(DType::Float32, {4}, 2);
  const TensorView long_view{DType::Float32, {3}, small.data()};
  CHECK(error_of([&] { prepare_sample(long_view, 3); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Descriptor codec: decode(encode(d)) == d and encode(decode(b)) == b",
          "[core][descriptor]") {
  for (const Tensor& t :
       {random_tensor(DType::UInt8, {64, 64, 3}, 1), random_tensor(DType::Float64, {999, 1001}, 2),
        random_tensor(DType::Bool, {}, 3), Tensor(DType::Int32, {0, 7})}) {
    INFO(dtype_name(t.dtype()) << " " << shape_to_string(t.shape()));
    const PreparedSample p = prepare_sample(t.view(), 1);
    const Descriptor d = decode_descriptor(descriptor_bytes(p));
    CHECK(d.dtype == t.dtype());
    CHECK(d.shape == t.shape());
    CHECK(d.chunk_shape == choose_grid(t.dtype(), t.shape()).chunk_shape);
    CHECK(d.chunks.size() == p.chunks.size());
    CHECK(d.chunks == descriptor_of(p).chunks);
    // Only the sample of several chunks has a descriptor object.
    CHECK(p.descriptor.empty() == (p.chunks.size() <= 1));
    if (!p.descriptor.empty()) CHECK(encode_descriptor(d) == p.descriptor);
  }
  DescriptorFields f;
  CHECK(encode_descriptor(decode_descriptor(f.encode())) == f.encode());
}

TEST_CASE("Descriptor codec: the layout is the documented one", "[core][descriptor]") {
  Descriptor d;
  d.dtype = DType::Float32;
  d.shape = {4, 4};
  d.chunk_shape = {4, 4};
  d.chunks = {digest_of(as_bytes("c"))};
  CHECK(encode_descriptor(d) == DescriptorFields{}.encode());
}

TEST_CASE("Descriptor codec: every strict prefix is Corrupt", "[core][descriptor]") {
  for (const Tensor& t :
       {random_tensor(DType::UInt8, {4, 4}, 1), random_tensor(DType::Float64, {999, 1001}, 2)}) {
    const Bytes b = descriptor_bytes(prepare_sample(t.view(), 1));
    for (std::size_t n = 0; n < b.size(); ++n) {
      INFO("prefix " << n << " of " << b.size());
      CHECK(error_of([&] { decode_descriptor(ByteView(b).first(n)); }).code() ==
            ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("Descriptor codec: a chunk grid that is not the rule's is Corrupt",
          "[core][descriptor]") {
  DescriptorFields f;
  f.chunk_shape = {2, 4};
  f.nchunks = 2;
  f.chunks = {digest_of(as_bytes("a")), digest_of(as_bytes("b"))};
  const Error e = error_of([&] { decode_descriptor(f.encode()); });
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains("field 'chunk_shape'"));

  // The right grid but the wrong number of chunks.
  f = {};
  f.nchunks = 2;
  f.chunks.push_back(digest_of(as_bytes("d")));
  const Error count = error_of([&] { decode_descriptor(f.encode()); });
  CHECK(count.code() == ErrorCode::Corrupt);
  CHECK_THAT(count.what(), Catch::Contains("field 'chunks'"));
  f.nchunks = 0;
  f.chunks.clear();
  CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Descriptor codec: hostile sizes are Corrupt without allocating", "[core][descriptor]") {
  const std::uint64_t huge = 1ull << 60;
  SECTION("dimension count") {
    DescriptorFields f;
    f.ndim = huge;
    CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Corrupt);
  }
  SECTION("a shape over 1 TiB") {
    DescriptorFields f;
    f.shape = {huge, huge};
    f.chunk_shape = {1, 1};
    const Error e = error_of([&] { decode_descriptor(f.encode()); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains("field 'shape'"));
  }
  SECTION("chunk count 2^60") {
    DescriptorFields f;
    f.nchunks = huge;
    f.chunks.clear();
    CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Corrupt);
  }
  SECTION("a 1 TiB shape whose grid needs many chunks, with none present") {
    // The count is the grid's, so it passes the count check; the digests are missing.
    DescriptorFields f;
    f.dtype = 6;  // uint8
    f.shape = {1ull << 20, 1ull << 20};
    const ChunkGrid g = choose_grid(DType::UInt8, f.shape);
    f.chunk_shape = g.chunk_shape;
    f.nchunks = g.chunk_count();
    f.chunks.clear();
    CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Corrupt);
  }
}

TEST_CASE("Descriptor codec: wrong kind, unknown dtype, newer version, trailing bytes",
          "[core][descriptor]") {
  DescriptorFields f;
  f.kind = 0x01;
  CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Corrupt);
  f = {};
  f.dtype = 0;
  const Error dtype = error_of([&] { decode_descriptor(f.encode()); });
  CHECK(dtype.code() == ErrorCode::Corrupt);
  CHECK_THAT(dtype.what(), Catch::Contains("field 'dtype'"));
  f = {};
  f.version = 9;
  CHECK(error_of([&] { decode_descriptor(f.encode()); }).code() == ErrorCode::Unsupported);
  f = {};
  Bytes b = f.encode();
  b.push_back(std::byte{0});
  CHECK(error_of([&] { decode_descriptor(b); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Descriptor: read_sample reassembles stored chunks", "[core][descriptor]") {
  testing::StorageTempDir dir("descriptor");
  storage::Chunks chunks = storage::Chunks::open(dir / "chunks", false);
  const std::vector<Tensor> tensors = {
      random_tensor(DType::UInt16, {3, 1000, 1001}, 1), random_tensor(DType::Float32, {17, 5}, 2),
      random_tensor(DType::Int8, {}, 3), Tensor(DType::Float64, {0, 4})};
  std::vector<Descriptor> descriptors;
  for (const Tensor& t : tensors) {
    PreparedSample p = prepare_sample(t.view(), 3);
    chunks.write(p.chunks);
    descriptors.push_back(descriptor_of(p));
  }
  storage::ChunkReader reader = chunks.reader();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    INFO(shape_to_string(tensors[i].shape()));
    CHECK(sample_is_local(reader, descriptors[i]));
    CHECK(read_sample(reader, descriptors[i]) == tensors[i]);
  }
  // A descriptor whose chunk was never stored is not local, and reading it says so.
  const Tensor absent = random_tensor(DType::UInt8, {5}, 99);
  const Descriptor d = descriptor_of(prepare_sample(absent.view(), 3));
  CHECK_FALSE(sample_is_local(reader, d));
  CHECK(error_of([&] { read_sample(reader, d); }).code() == ErrorCode::NotLocal);
}

TEST_CASE("Descriptor codec: the example in docs/format/objects.md", "[core][descriptor]") {
  // (Such a sample is held inline: its descriptor object is never stored, but the encoding is
  // the one a sample of several chunks gets.)
  const Tensor t = random_tensor(DType::Float32, {4, 4}, 8);
  const PreparedSample p = prepare_sample(t.view(), 3);
  Bytes expect = hex_bytes("03 01 0b 02 04 04 04 04 01");
  const Digest chunk = digest_of(t.data());
  expect.insert(expect.end(), chunk.bytes.begin(), chunk.bytes.end());
  CHECK(descriptor_bytes(p) == expect);
}

}  // namespace hangar

namespace hangar {
namespace {
// A photo-like image (a ramp along the last two dims, plus noise): the delta predictor pays.
Tensor smooth_image(DType dtype, Shape shape) {
  Tensor t(dtype, shape);
  const std::size_t e = dtype_size(dtype);
  const std::uint64_t w = shape.back();
  std::mt19937 rng(11);
  auto* b = reinterpret_cast<std::uint8_t*>(t.mutable_data().data());
  for (std::size_t i = 0; i < t.nbytes() / e; ++i) {
    const auto v = static_cast<std::uint16_t>((i % w + i / w) % 160 + rng() % 8);
    std::memcpy(b + i * e, &v, e);  // little-endian hosts: the low byte first
  }
  return t;
}
}  // namespace

TEST_CASE("Descriptor: the delta predictor is for images of 1- and 2-byte integers",
          "[core][descriptor]") {
  using storage::DeltaFilter;
  CHECK(delta_filter_for(DType::UInt8, {64, 64, 3}) == DeltaFilter{1, 3, 192});
  CHECK(delta_filter_for(DType::UInt8, {48, 48, 4}) == DeltaFilter{1, 4, 192});
  CHECK(delta_filter_for(DType::UInt16, {28, 28}) == DeltaFilter{2, 1, 28});
  CHECK(delta_filter_for(DType::Int8, {10, 64, 64}) == DeltaFilter{1, 1, 64});
  CHECK(delta_filter_for(DType::Int16, {8, 8, 16}) == DeltaFilter{2, 1, 16});
  CHECK_FALSE(delta_filter_for(DType::Float32, {64, 64, 3}));
  CHECK_FALSE(delta_filter_for(DType::UInt32, {64, 64}));
  CHECK_FALSE(delta_filter_for(DType::Bool, {64, 64}));
  CHECK_FALSE(delta_filter_for(DType::UInt8, {4096}));
  CHECK_FALSE(delta_filter_for(DType::UInt8, {}));
}

TEST_CASE(
    "Descriptor: with the delta option image chunks are zstd-delta and read back, the "
    "sample id does not depend on it",
    "[core][descriptor]") {
  testing::StorageTempDir dir("descriptor-delta");
  storage::Chunks chunks = storage::Chunks::open(dir / "chunks", false);
  for (const Tensor& t :
       {smooth_image(DType::UInt8, {64, 64, 3}), smooth_image(DType::UInt16, {40, 30}),
        smooth_image(DType::UInt8, {3, 1024, 1024})}) {  // several chunks
    INFO(shape_to_string(t.shape()));
    const PreparedSample plain = prepare_sample(t.view(), ChunkOptions{3, false});
    PreparedSample delta = prepare_sample(t.view(), ChunkOptions{3, true});
    CHECK(delta.id == plain.id);
    CHECK(delta.descriptor == plain.descriptor);
    std::size_t plain_bytes = 0, delta_bytes = 0;
    for (const auto& c : plain.chunks) plain_bytes += c.stored.size();
    for (const auto& c : delta.chunks) {
      delta_bytes += c.stored.size();
      CHECK(c.codec == storage::ChunkCodec::ZstdDelta);
    }
    CHECK(delta_bytes < plain_bytes);
    chunks.write(delta.chunks);
    storage::ChunkReader reader = chunks.reader();
    CHECK(read_sample(reader, descriptor_of(delta)) == t);
  }
}

}  // namespace hangar
