// DType tables (permanent codes, names, sizes) and the tensor size checks built on them.
#include <hangar/dtype.h>
#include <hangar/error.h>
#include <hangar/tensor.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>

#include "support/test_util.h"

namespace hangar {
namespace {

struct Row {
  DType type;
  std::uint8_t code;
  const char* name;
  const char* short_name;
  std::size_t size;
  bool is_float;
  bool is_signed;
};

// The permanent table (docs/format/objects.md#dtype-codes): changing a row breaks old repositories.
constexpr Row kRows[] = {
    {DType::Bool, 1, "bool", "b1", 1, false, false},
    {DType::Int8, 2, "int8", "i1", 1, false, true},
    {DType::Int16, 3, "int16", "i2", 2, false, true},
    {DType::Int32, 4, "int32", "i4", 4, false, true},
    {DType::Int64, 5, "int64", "i8", 8, false, true},
    {DType::UInt8, 6, "uint8", "u1", 1, false, false},
    {DType::UInt16, 7, "uint16", "u2", 2, false, false},
    {DType::UInt32, 8, "uint32", "u4", 4, false, false},
    {DType::UInt64, 9, "uint64", "u8", 8, false, false},
    {DType::Float16, 10, "float16", "f2", 2, true, false},
    {DType::Float32, 11, "float32", "f4", 4, true, false},
    {DType::Float64, 12, "float64", "f8", 8, true, false},
};

}  // namespace

TEST_CASE("DType: codes, names, sizes and kinds are the permanent table", "[core][dtype]") {
  for (const Row& r : kRows) {
    INFO(r.name);
    CHECK(static_cast<std::uint8_t>(r.type) == r.code);
    CHECK(dtype_size(r.type) == r.size);
    CHECK(dtype_name(r.type) == r.name);
    CHECK(is_float(r.type) == r.is_float);
    CHECK(is_signed_int(r.type) == r.is_signed);
    CHECK(dtype_from_code(r.code) == r.type);
    CHECK(parse_dtype(r.name) == r.type);
    CHECK(parse_dtype(r.short_name) == r.type);
  }
}

TEST_CASE("DType: unknown codes and names are rejected", "[core][dtype]") {
  for (int code : {0, 13, 14, 0x7f, 0x80, 0xff})
    CHECK_FALSE(dtype_from_code(static_cast<std::uint8_t>(code)).has_value());
  for (const char* name :
       {"", "float", "int", "Float32", "uint8 ", "f16", "complex64", "object", "<f4", "u3", "str"})
    CHECK_FALSE(parse_dtype(name).has_value());
  // Control: the same lookups accept the real spellings.
  CHECK(dtype_from_code(11) == DType::Float32);
  CHECK(parse_dtype("float32") == DType::Float32);
}

TEST_CASE("DType: names are unique", "[core][dtype]") {
  std::set<std::string> names;
  for (const Row& r : kRows) {
    CHECK(names.insert(r.name).second);
    CHECK(names.insert(r.short_name).second);
  }
  CHECK(names.size() == 24);
}

TEST_CASE("Tensor: shape_to_string formats scalars and shapes", "[core][dtype]") {
  CHECK(shape_to_string({}) == "[]");
  CHECK(shape_to_string({7}) == "[7]");
  CHECK(shape_to_string({64, 64, 3}) == "[64,64,3]");
}

TEST_CASE("Tensor: checked_element_count refuses too many dims and too many bytes",
          "[core][dtype]") {
  CHECK(checked_element_count({}, DType::Float64, "t") == 1);
  CHECK(checked_element_count({0, 5}, DType::Float64, "t") == 0);
  CHECK(checked_element_count({2, 3, 4}, DType::UInt8, "t") == 24);
  CHECK(checked_element_count(Shape(31, 1), DType::UInt8, "t") == 1);

  const Error dims = error_of([] { checked_element_count(Shape(32, 1), DType::UInt8, "x"); });
  CHECK(dims.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(dims.what(), Catch::Contains("32 dimensions"));

  // Exactly 1 TiB is allowed, one element more is not; the limit is in bytes, not elements.
  CHECK(checked_element_count({std::uint64_t{1} << 37}, DType::Float64, "t") == std::uint64_t{1}
                                                                                    << 37);
  CHECK(error_of([] {
          checked_element_count({(std::uint64_t{1} << 37) + 1}, DType::Float64, "t");
        }).code() == ErrorCode::InvalidArgument);
  // A product that overflows 64 bits must not wrap around to a small number.
  const Error wrap = error_of([] {
    checked_element_count({std::uint64_t{1} << 32, std::uint64_t{1} << 32, 2}, DType::UInt8,
                          "column 'c'");
  });
  CHECK(wrap.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(wrap.what(), Catch::Contains("column 'c'"));
}

TEST_CASE("Tensor: constructors size the data from dtype and shape", "[core][dtype]") {
  Tensor zero(DType::Int16, {3, 5});
  CHECK(zero.nbytes() == 30);
  CHECK(zero.element_count() == 15);
  for (std::byte b : zero.data()) CHECK(b == std::byte{0});

  Tensor scalar(DType::Float64, {}, Bytes(8, std::byte{1}));
  CHECK(scalar.element_count() == 1);

  const Error e = error_of([] { Tensor(DType::Int32, {2, 2}, Bytes(15)); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("int32 [2,2] needs 16 bytes, got 15"));
}

}  // namespace hangar
