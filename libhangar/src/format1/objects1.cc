// Format-1 object codecs (objects1.h). Field names, caps and order follow format 1's
// docs/format/objects.md (git show d7c92b1:docs/format/objects.md).
#include "format1/objects1.h"

#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include "format1/grid1.h"

namespace hangar::format1 {
namespace {

constexpr std::uint8_t kCommitKind = 0x01;
constexpr std::uint8_t kSchemaKind = 0x02;
constexpr std::uint8_t kDescriptorKind = 0x03;
constexpr std::uint8_t kObjectVersion = 1;
constexpr std::size_t kMaxDims = 31;

// Reads the kind and version bytes that start every format-1 object.
void expect_header(Decoder& in, std::uint8_t kind, const std::string& what) {
  if (in.u8("kind") != kind) in.corrupt("kind", "not a " + what.substr(0, what.find(' ')));
  const std::uint8_t version = in.u8("version");
  if (version == 0) in.corrupt("version", "0");
  if (version > kObjectVersion)
    fail(ErrorCode::Unsupported, what + " has object format " + std::to_string(version) +
                                     ", which storage format 1 does not define");
}

Digest1 digest_field(Decoder& in, std::string_view field) {
  return Digest1::from_bytes(in.raw(field, Digest1::kSize), field);
}

std::vector<std::uint64_t> shape_field(Decoder& in, std::string_view field) {
  const std::uint64_t ndim = in.varint_max(field, kMaxDims);
  std::vector<std::uint64_t> shape(ndim);
  for (auto& d : shape) d = in.varint(field);
  return shape;
}

std::uint8_t dtype_field(Decoder& in) {
  const std::uint8_t code = in.u8("dtype");
  if (dtype1_size(code) == 0) in.corrupt("dtype", "unknown dtype code " + std::to_string(code));
  return code;
}

std::string named(std::string_view kind, const Digest1& id) {
  return std::string(kind) + " " + id.short_hex();
}

}  // namespace

std::size_t dtype1_size(std::uint8_t code) noexcept {
  // bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64
  static constexpr std::uint8_t kSizes[] = {0, 1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8};
  return code < sizeof(kSizes) ? kSizes[code] : 0;
}

Commit1 decode_commit1(const Digest1& id, ByteView bytes) {
  const std::string what = named("commit", id);
  Decoder in(bytes, what);
  expect_header(in, kCommitKind, what);
  Commit1 c;
  const std::uint64_t parents = in.varint_max("parents", 2);
  for (std::uint64_t i = 0; i < parents; ++i) c.parents.push_back(digest_field(in, "parents"));
  const std::uint64_t columns = in.varint_max("columns", 65536);
  for (std::uint64_t i = 0; i < columns; ++i) {
    Column1 col;
    col.name = in.str("columns.name", 64);
    if (!c.columns.empty() && !(c.columns.back().name < col.name))
      in.corrupt("columns.name", "'" + col.name + "' is out of order or repeated");
    col.schema = digest_field(in, "columns.schema");
    col.records = digest_field(in, "columns.records");
    col.count = in.varint("columns.count");
    col.nbytes = in.varint("columns.nbytes");
    c.columns.push_back(std::move(col));
  }
  c.author = in.str("author", 1024);
  c.email = in.str("email", 1024);
  c.time = in.i64("time");
  c.message = in.str("message", 1u << 20);
  in.expect_end();
  return c;
}

Schema1 decode_schema1(const Digest1& id, ByteView bytes) {
  const std::string what = named("schema", id);
  Decoder in(bytes, what);
  expect_header(in, kSchemaKind, what);
  Schema1 s;
  s.name = in.str("name", 64);
  s.dtype = dtype_field(in);
  s.shape = shape_field(in, "shape");
  const std::uint8_t variable = in.u8("variable_shape");
  if (variable > 1) in.corrupt("variable_shape", std::to_string(variable));
  s.variable_shape = variable == 1;
  s.layout = in.u8("layout");
  if (s.layout != 1 && s.layout != 2) in.corrupt("layout", std::to_string(s.layout));
  s.backend = in.u8("backend");
  if (s.backend > 2) in.corrupt("backend", std::to_string(s.backend));
  s.compression_level = in.u8("compression_level");
  if (s.compression_level < 1 || s.compression_level > 19)
    in.corrupt("compression_level", std::to_string(s.compression_level));
  const std::uint64_t attributes = in.varint_max("attributes", 1u << 20);
  for (std::uint64_t i = 0; i < attributes; ++i) {
    std::string key = in.str("attributes.key", 1u << 16);
    if (!s.attributes.empty() && !(s.attributes.rbegin()->first < key))
      in.corrupt("attributes.key", "'" + key + "' is out of order or repeated");
    s.attributes.emplace(std::move(key), in.str("attributes.value", 1u << 24));
  }
  in.expect_end();
  return s;
}

Descriptor1 decode_descriptor1(const Digest1& id, ByteView bytes) {
  const std::string what = named("sample descriptor", id);
  Decoder in(bytes, what);
  expect_header(in, kDescriptorKind, what);
  Descriptor1 d;
  d.dtype = dtype_field(in);
  d.shape = shape_field(in, "shape");
  std::optional<Grid1> grid;
  try {
    grid = Grid1::choose(d.dtype, d.shape);
  } catch (const Error& e) {
    in.corrupt("shape", e.what());
  }
  d.chunk_shape.resize(d.shape.size());
  for (auto& c : d.chunk_shape) c = in.varint("chunk_shape");
  if (d.chunk_shape != grid->chunk_shape) in.corrupt("chunk_shape", "not the grid rule's choice");
  const std::uint64_t count = in.varint_max("chunks", in.remaining() / Digest1::kSize);
  if (count != grid->block_count())
    in.corrupt("chunks", std::to_string(count) + " digests for a grid of " +
                             std::to_string(grid->block_count()) + " blocks");
  d.chunks.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) d.chunks.push_back(digest_field(in, "chunks"));
  in.expect_end();
  return d;
}

}  // namespace hangar::format1
