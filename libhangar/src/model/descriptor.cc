// Descriptor encoding, tensor <-> chunks.
#include "model/descriptor.h"

#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include "model/object_kind.h"

namespace hangar {

std::uint64_t Descriptor::nbytes() const {
  std::uint64_t n = dtype_size(dtype);
  for (auto d : shape) n *= d;
  return n;
}

Bytes encode_descriptor(const Descriptor& d) {
  Encoder e;
  e.u8(static_cast<std::uint8_t>(ObjectType::Descriptor));
  e.u8(kObjectFormatVersion);
  e.u8(static_cast<std::uint8_t>(d.dtype));
  e.varint(d.shape.size());
  for (auto x : d.shape) e.varint(x);
  for (auto x : d.chunk_shape) e.varint(x);
  e.varint(d.chunks.size());
  for (const auto& c : d.chunks) e.digest(c);
  return e.take();
}

namespace {
Descriptor decode_descriptor_fields(ByteView b);
}  // namespace

Descriptor decode_descriptor(ByteView b) {
  // Every read of a sample decodes its descriptor: name it (a digest and a hex string) only
  // when something is wrong.
  try {
    return decode_descriptor_fields(b);
  } catch (const Error& e) {
    const std::string_view prefix = "corrupt sample descriptor";
    std::string m = e.what();
    if (e.code() == ErrorCode::Corrupt && m.rfind(prefix, 0) == 0)
      m.insert(prefix.size(), " " + digest_of(b).short_hex());
    fail(e.code(), m);
  }
}

namespace {
Descriptor decode_descriptor_fields(ByteView b) {
  Decoder dec(b, "sample descriptor");
  if (dec.u8("kind") != static_cast<std::uint8_t>(ObjectType::Descriptor))
    dec.corrupt("kind", "not a sample descriptor");
  if (dec.u8("version") != kObjectFormatVersion)
    fail(ErrorCode::Unsupported, "sample descriptor written by a newer hangar; upgrade hangar");
  Descriptor d;
  auto dt = dtype_from_code(dec.u8("dtype"));
  if (!dt) dec.corrupt("dtype", "unknown dtype code");
  d.dtype = *dt;
  auto nd = dec.varint_max("shape", kMaxDims);
  for (std::uint64_t i = 0; i < nd; ++i) d.shape.push_back(dec.varint("shape"));
  for (std::uint64_t i = 0; i < nd; ++i) d.chunk_shape.push_back(dec.varint("chunk_shape"));
  try {
    checked_element_count(d.shape, d.dtype, "sample");
  } catch (const Error& e) {
    dec.corrupt("shape", e.what());
  }
  ChunkGrid grid = choose_grid(d.dtype, d.shape);
  if (grid.chunk_shape != d.chunk_shape) dec.corrupt("chunk_shape", "does not match the grid rule");
  auto n = dec.varint_max("chunks", grid.chunk_count());
  if (n != grid.chunk_count()) dec.corrupt("chunks", "count does not match the grid");
  // The count is the grid's, which can be large for a huge shape: check it against the input
  // before reserving, so a short hostile descriptor cannot make us allocate.
  if (n > dec.remaining() / Digest::kSize)
    dec.corrupt("chunks", std::to_string(n) + " digests claimed, " +
                              std::to_string(dec.remaining()) + " bytes left");
  d.chunks.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) d.chunks.push_back(dec.digest("chunks"));
  dec.expect_end();
  return d;
}
}  // namespace

std::optional<storage::DeltaFilter> delta_filter_for(DType dtype, const Shape& shape) noexcept {
  std::uint8_t element_size = 0;
  switch (dtype) {
    case DType::Int8:
    case DType::UInt8:
      element_size = 1;
      break;
    case DType::Int16:
    case DType::UInt16:
      element_size = 2;
      break;
    default:
      return std::nullopt;
  }
  if (shape.size() < 2) return std::nullopt;
  const std::uint64_t last = shape.back();
  const bool channels = shape.size() >= 3 && last >= 1 && last <= 4;
  // A row: W * C elements of [.., H, W, C], W of [.., H, W].
  const std::uint64_t row = channels ? last * shape[shape.size() - 2] : last;
  if (row == 0 || row > UINT32_MAX) return std::nullopt;
  return storage::DeltaFilter{element_size, static_cast<std::uint8_t>(channels ? last : 1),
                              static_cast<std::uint32_t>(row)};
}

PreparedSample prepare_sample(const TensorView& t, const ChunkOptions& options) {
  const std::size_t elem = dtype_size(t.dtype);
  // A view is not checked at construction; a short one would make gather_block read past it.
  const std::uint64_t want = checked_element_count(t.shape, t.dtype, "sample") * elem;
  if (t.data.size() != want)
    fail(ErrorCode::InvalidArgument,
         "sample " + std::string(dtype_name(t.dtype)) + " " + shape_to_string(t.shape) + " needs " +
             std::to_string(want) + " bytes, got " + std::to_string(t.data.size()));
  ChunkGrid grid = choose_grid(t.dtype, t.shape);
  Descriptor d{t.dtype, t.shape, grid.chunk_shape, {}};
  PreparedSample out;
  const std::uint64_t n = grid.chunk_count();
  const auto delta = [&](const Shape& extent) {
    return options.delta ? delta_filter_for(t.dtype, extent) : std::nullopt;
  };
  if (n == 1) {
    out.chunks.push_back(storage::encode_chunk(t.data, options.zstd_level, delta(t.shape)));
  } else {
    Bytes block;
    Shape origin, extent;
    for (std::uint64_t i = 0; i < n; ++i) {
      grid.block(i, origin, extent);
      block.resize(block_bytes(grid, elem, i));
      gather_block(grid, elem, t.data, i, block);
      out.chunks.push_back(storage::encode_chunk(block, options.zstd_level, delta(extent)));
    }
  }
  for (const auto& c : out.chunks) d.chunks.push_back(c.digest);
  SampleName name = name_sample(d);
  out.id = name.id;
  out.descriptor = std::move(name.descriptor);
  out.nbytes = t.data.size();
  return out;
}

SampleName name_sample(const Descriptor& d) {
  if (d.chunks.size() <= 1) {
    if (auto id =
            SampleId::make_inline(d.dtype, d.shape, d.chunks.empty() ? Digest{} : d.chunks[0]))
      return {*id, {}};
  }
  Bytes encoded = encode_descriptor(d);
  const Digest id = digest_of(encoded);
  return {SampleId::of_descriptor(id), std::move(encoded)};
}

bool fits_inline(const Descriptor& d) {
  return d.chunks.size() <= 1 &&
         SampleId::make_inline(d.dtype, d.shape, d.chunks.empty() ? Digest{} : d.chunks[0]);
}

Descriptor inline_descriptor(const SampleId& id) {
  Descriptor d;
  d.dtype = id.dtype();
  d.shape = id.shape();
  d.chunk_shape = choose_grid(d.dtype, d.shape).chunk_shape;
  if (id.has_chunk()) d.chunks.push_back(id.digest());
  return d;
}

Tensor read_sample(storage::ChunkReader& reader, const Descriptor& d) {
  Tensor t(d.dtype, d.shape);
  ChunkGrid grid{d.shape, d.chunk_shape};
  const std::size_t elem = dtype_size(d.dtype);
  if (d.chunks.size() == 1) {
    reader.read(d.chunks[0], t.mutable_data());
    return t;
  }
  Bytes block;
  for (std::uint64_t i = 0; i < d.chunks.size(); ++i) {
    block.resize(block_bytes(grid, elem, i));
    reader.read(d.chunks[i], block);
    scatter_block(grid, elem, block, i, t.mutable_data());
  }
  return t;
}

bool sample_is_local(storage::ChunkReader& reader, const Descriptor& d) {
  for (const auto& c : d.chunks)
    if (!reader.find(c)) return false;
  return true;
}

}  // namespace hangar
