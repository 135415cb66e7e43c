// Column schema validation and canonical encoding.
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/schema.h>

#include "model/object_kind.h"

namespace hangar {

std::string_view layout_name(Layout l) noexcept { return l == Layout::Flat ? "flat" : "nested"; }

std::string_view backend_name(BackendChoice b) noexcept {
  switch (b) {
    case BackendChoice::Auto:
      return "auto";
    case BackendChoice::Lmdb:
      return "lmdb";
    case BackendChoice::Hdf5:
      return "hdf5";
  }
  return "auto";
}

std::optional<BackendChoice> parse_backend(std::string_view name) noexcept {
  for (auto b : {BackendChoice::Auto, BackendChoice::Lmdb, BackendChoice::Hdf5})
    if (name == backend_name(b)) return b;
  return std::nullopt;
}

void validate_column_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxColumnNameBytes;
  for (char c : name)
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-');
  if (!ok)
    fail(ErrorCode::InvalidArgument,
         "invalid column name '" + std::string(name) +
             "': use 1-64 characters from A-Z, a-z, 0-9, '_', '.', '-'");
}

void validate_schema(const ColumnSchema& s) {
  validate_column_name(s.name);
  checked_element_count(s.shape, s.dtype, "column '" + s.name + "'");
  if (s.compression_level < 1 || s.compression_level > 19)
    fail(ErrorCode::InvalidArgument, "column '" + s.name + "': compression level " +
                                         std::to_string(s.compression_level) + " is outside 1..19");
}

void check_fits(const ColumnSchema& s, DType dtype, const Shape& shape, std::string_view key) {
  bool ok = dtype == s.dtype && shape.size() == s.shape.size();
  for (std::size_t i = 0; ok && i < shape.size(); ++i)
    ok = s.variable_shape ? shape[i] <= s.shape[i] : shape[i] == s.shape[i];
  if (ok) return;
  std::string expected = std::string(dtype_name(s.dtype)) + " " + shape_to_string(s.shape);
  if (s.variable_shape) expected += " (variable shape, at most)";
  fail(ErrorCode::InvalidArgument,
       "column '" + s.name + "' expects " + expected + ", got " + std::string(dtype_name(dtype)) +
           " " + shape_to_string(shape) + " for key '" + std::string(key) + "'");
}

Bytes encode_schema(const ColumnSchema& s) {
  Encoder e;
  e.u8(static_cast<std::uint8_t>(ObjectType::Schema));
  e.u8(kObjectFormatVersion);
  e.str(s.name);
  e.u8(static_cast<std::uint8_t>(s.dtype));
  e.varint(s.shape.size());
  for (auto d : s.shape) e.varint(d);
  e.u8(s.variable_shape ? 1 : 0);
  e.u8(static_cast<std::uint8_t>(s.layout));
  e.u8(static_cast<std::uint8_t>(s.backend));
  e.u8(static_cast<std::uint8_t>(s.compression_level));
  e.varint(s.attributes.size());
  for (const auto& [k, v] : s.attributes) {
    e.str(k);
    e.str(v);
  }
  return e.take();
}

ColumnSchema decode_schema(ByteView b) {
  Decoder d(b, "schema " + digest_of(b).short_hex());
  if (d.u8("kind") != static_cast<std::uint8_t>(ObjectType::Schema))
    d.corrupt("kind", "not a schema");
  if (d.u8("version") != kObjectFormatVersion)
    fail(ErrorCode::Unsupported, "schema written by a newer hangar; upgrade hangar");
  ColumnSchema s;
  s.name = d.str("name", kMaxColumnNameBytes);
  auto dt = dtype_from_code(d.u8("dtype"));
  if (!dt) d.corrupt("dtype", "unknown dtype code");
  s.dtype = *dt;
  auto ndim = d.varint_max("shape", kMaxDims);
  for (std::uint64_t i = 0; i < ndim; ++i) s.shape.push_back(d.varint("shape"));
  // Canonical: one encoding per schema, so equal schemas always have equal digests.
  auto variable = d.u8("variable_shape");
  if (variable > 1) d.corrupt("variable_shape", "not 0 or 1");
  s.variable_shape = variable == 1;
  auto layout = d.u8("layout");
  if (layout != 1 && layout != 2) d.corrupt("layout", "unknown layout code");
  s.layout = static_cast<Layout>(layout);
  auto backend = d.u8("backend");
  if (backend > 2) d.corrupt("backend", "unknown backend code");
  s.backend = static_cast<BackendChoice>(backend);
  s.compression_level = d.u8("compression_level");
  auto nattr = d.varint_max("attributes", 1u << 20);
  for (std::uint64_t i = 0; i < nattr; ++i) {
    std::string k = d.str("attributes", 1u << 16);
    if (!s.attributes.empty() && !(s.attributes.rbegin()->first < k))
      d.corrupt("attributes", "keys not sorted or not unique");
    s.attributes.emplace_hint(s.attributes.end(), std::move(k), d.str("attributes", 1u << 24));
  }
  d.expect_end();
  try {
    validate_schema(s);
  } catch (const Error& e) {
    d.corrupt("schema", e.what());
  }
  return s;
}

}  // namespace hangar
