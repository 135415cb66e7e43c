// Element types of tensors. The numeric codes are permanent (stored in schemas and descriptors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hangar {

enum class DType : std::uint8_t {
  Bool = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  UInt8 = 6,
  UInt16 = 7,
  UInt32 = 8,
  UInt64 = 9,
  Float16 = 10,
  Float32 = 11,
  Float64 = 12,
};

// Bytes per element: 1, 2, 4 or 8.
std::size_t dtype_size(DType t) noexcept;
// numpy-style name: "bool", "int8" .. "uint64", "float16", "float32", "float64".
std::string_view dtype_name(DType t) noexcept;
// Parses dtype_name() output (and "uint8"-style aliases "u1", "f4", ... of numpy); nullopt if
// unknown.
std::optional<DType> parse_dtype(std::string_view name) noexcept;
// The permanent code -> DType; nullopt for an unknown code.
std::optional<DType> dtype_from_code(std::uint8_t code) noexcept;
bool is_float(DType t) noexcept;
bool is_signed_int(DType t) noexcept;

}  // namespace hangar
