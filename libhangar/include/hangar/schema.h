// Column schemas: what a column's samples must look like, and how they are stored.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/dtype.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hangar {

// Permanent codes (stored in schema objects).
enum class Layout : std::uint8_t { Flat = 1, Nested = 2 };
enum class BackendChoice : std::uint8_t { Auto = 0, Lmdb = 1, Hdf5 = 2 };

std::string_view layout_name(Layout l) noexcept;          // "flat" | "nested"
std::string_view backend_name(BackendChoice b) noexcept;  // "auto" | "lmdb" | "hdf5"
std::optional<BackendChoice> parse_backend(std::string_view name) noexcept;

struct ColumnSchema {
  std::string name;
  DType dtype = DType::UInt8;
  Shape shape;  // exact shape, or per-dimension maximum when variable_shape
  bool variable_shape = false;
  Layout layout = Layout::Flat;
  BackendChoice backend = BackendChoice::Auto;
  int compression_level = 3;                      // zstd level 1..19
  std::map<std::string, std::string> attributes;  // e.g. label names of a --labels column

  bool operator==(const ColumnSchema&) const = default;
};

constexpr std::size_t kMaxColumnNameBytes = 64;

// Throws InvalidArgument unless `name` matches [A-Za-z0-9_.-]{1,64}.
void validate_column_name(std::string_view name);
// Throws InvalidArgument for a bad name, too many dims, a too-large shape or a bad level.
void validate_schema(const ColumnSchema& s);
// Throws InvalidArgument "column 'images' expects uint8 [64,64,3], got float32 [64,64] for key
// 'boot/00017'" when the tensor does not fit the schema.
void check_fits(const ColumnSchema& s, DType dtype, const Shape& shape, std::string_view key);

// Canonical encoding (docs/format/objects.md#schema); digest_of(encode_schema(s)) identifies it.
Bytes encode_schema(const ColumnSchema& s);
// Throws: Corrupt, naming the field.
ColumnSchema decode_schema(ByteView b);

}  // namespace hangar
