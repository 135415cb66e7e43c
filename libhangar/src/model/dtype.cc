// DType tables.
#include <hangar/dtype.h>

#include <array>

namespace hangar {
namespace {
struct Info {
  DType type;
  std::string_view name;
  std::string_view short_name;  // numpy's kind+size code
  std::size_t size;
};
constexpr std::array<Info, 12> kInfo{{
    {DType::Bool, "bool", "b1", 1},
    {DType::Int8, "int8", "i1", 1},
    {DType::Int16, "int16", "i2", 2},
    {DType::Int32, "int32", "i4", 4},
    {DType::Int64, "int64", "i8", 8},
    {DType::UInt8, "uint8", "u1", 1},
    {DType::UInt16, "uint16", "u2", 2},
    {DType::UInt32, "uint32", "u4", 4},
    {DType::UInt64, "uint64", "u8", 8},
    {DType::Float16, "float16", "f2", 2},
    {DType::Float32, "float32", "f4", 4},
    {DType::Float64, "float64", "f8", 8},
}};
const Info& info(DType t) noexcept { return kInfo[static_cast<std::size_t>(t) - 1]; }
}  // namespace

std::size_t dtype_size(DType t) noexcept { return info(t).size; }
std::string_view dtype_name(DType t) noexcept { return info(t).name; }

std::optional<DType> parse_dtype(std::string_view name) noexcept {
  for (const Info& i : kInfo)
    if (name == i.name || name == i.short_name) return i.type;
  return std::nullopt;
}

std::optional<DType> dtype_from_code(std::uint8_t code) noexcept {
  if (code < 1 || code > kInfo.size()) return std::nullopt;
  return static_cast<DType>(code);
}

bool is_float(DType t) noexcept {
  return t == DType::Float16 || t == DType::Float32 || t == DType::Float64;
}
bool is_signed_int(DType t) noexcept {
  return t == DType::Int8 || t == DType::Int16 || t == DType::Int32 || t == DType::Int64;
}

}  // namespace hangar
