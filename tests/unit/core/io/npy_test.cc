// .npy decode/encode: round trips, numpy byte-identity, hostile headers and truncation.
#include "io/npy.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "io_test_util.h"
#include "npy_fixtures.h"

namespace hangar::test {
namespace {

using io::decode_npy;
using io::encode_npy;

template <std::size_t N>
ByteView bytes_of(const std::uint8_t (&a)[N]) {
  return {reinterpret_cast<const std::byte*>(a), N};
}

// A .npy file with the given header dict (no padding unless the caller adds it).
Bytes npy_file(const std::string& dict, ByteView data, int major = 1) {
  std::string head("\x93NUMPY", 6);
  head += static_cast<char>(major);
  head += '\0';
  const std::size_t len = dict.size() + 1;
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) head += static_cast<char>((len >> (8 * i)) & 0xff);
  head += dict + "\n";
  Bytes out = to_bytes(head);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes u16_data(std::vector<std::uint16_t> values) {
  Bytes out(values.size() * 2);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

const Decoder kDecode = [](ByteView b) { decode_npy(b, "x.npy"); };

constexpr DType kAllDTypes[] = {DType::Bool,   DType::Int8,    DType::Int16,   DType::Int32,
                                DType::Int64,  DType::UInt8,   DType::UInt16,  DType::UInt32,
                                DType::UInt64, DType::Float16, DType::Float32, DType::Float64};

TEST_CASE("Npy: round-trip over every dtype and many shapes", "[core][npy]") {
  const DType dtype = GENERATE(from_range(std::begin(kAllDTypes), std::end(kAllDTypes)));
  const std::vector<Shape> shapes = {{},        {0},          {1},          {7},
                                     {3, 4},    {2, 0, 3},    {0, 0},       {2, 3, 4, 5},
                                     {1, 1, 2}, Shape(31, 1), Shape(31, 0), {64, 65}};
  std::uint64_t seed = 1;
  for (const Shape& shape : shapes) {
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const Tensor t = make_random_tensor(dtype, shape, seed++);
    const Bytes file = encode_npy(t.view());
    REQUIRE((file.size() - t.nbytes()) % 64 == 0);  // data starts 64-byte aligned
    const Tensor back = decode_npy(file, "rt.npy");
    REQUIRE(back == t);
    REQUIRE(encode_npy(back.view()) == file);
  }
}

TEST_CASE("Npy: encode_npy is byte-identical to numpy's np.save", "[core][npy]") {
  using namespace npy_fixtures;
  const Tensor u16 = decode_npy(bytes_of(kU16x3x4), "u16.npy");
  REQUIRE(u16.dtype() == DType::UInt16);
  REQUIRE(u16.shape() == Shape{3, 4});
  for (std::uint16_t i = 0; i < 12; ++i) REQUIRE(u16.as<std::uint16_t>()[i] == i * 1000);

  const Tensor scalar = decode_npy(bytes_of(kF32Scalar), "f32.npy");
  REQUIRE(scalar.shape().empty());
  REQUIRE(scalar.as<float>()[0] == 1.5f);

  const Tensor flags = decode_npy(bytes_of(kBool3), "bool.npy");
  REQUIRE(flags.dtype() == DType::Bool);
  REQUIRE(flags.data().size() == 3);
  REQUIRE(static_cast<int>(flags.data()[1]) == 0);

  const Tensor empty = decode_npy(bytes_of(kI64Empty0x3), "empty.npy");
  REQUIRE(empty.shape() == Shape{0, 3});
  REQUIRE(empty.nbytes() == 0);

  for (ByteView fixture :
       {bytes_of(kU16x3x4), bytes_of(kF32Scalar), bytes_of(kBool3), bytes_of(kI64Empty0x3)}) {
    const Bytes again = encode_npy(decode_npy(fixture, "fixture.npy").view());
    REQUIRE(again == Bytes(fixture.begin(), fixture.end()));
  }
}

TEST_CASE("Npy: big-endian data is swapped to native order", "[core][npy]") {
  const Tensor t = decode_npy(bytes_of(npy_fixtures::kBigEndianI4), "be.npy");
  REQUIRE(t.dtype() == DType::Int32);
  REQUIRE(t.shape() == Shape{3});
  REQUIRE(t.as<std::int32_t>()[0] == 1);
  REQUIRE(t.as<std::int32_t>()[1] == -2);
  REQUIRE(t.as<std::int32_t>()[2] == 70000);

  // Every multi-byte dtype: flip the descr to '>' and reverse each element's bytes.
  const DType dtype =
      GENERATE(DType::Int16, DType::Int32, DType::Int64, DType::UInt16, DType::UInt32,
               DType::UInt64, DType::Float16, DType::Float32, DType::Float64);
  const Tensor original = make_random_tensor(dtype, {5, 3}, 77);
  Bytes file = encode_npy(original.view());
  const std::size_t descr_at = as_string_view(file).find("'<") + 1;
  file[descr_at] = std::byte{'>'};
  const std::size_t item = dtype_size(dtype);
  for (std::size_t at = file.size() - original.nbytes(); at < file.size(); at += item)
    std::reverse(file.begin() + static_cast<std::ptrdiff_t>(at),
                 file.begin() + static_cast<std::ptrdiff_t>(at + item));
  REQUIRE(decode_npy(file, "be.npy") == original);
}

TEST_CASE("Npy: every strict prefix is an error", "[core][npy]") {
  using namespace npy_fixtures;
  const Bytes big = encode_npy(make_random_tensor(DType::Float64, {40, 50}, 5).view());
  std::size_t tried = 0;
  for (ByteView file : {bytes_of(kU16x3x4), bytes_of(kF32Scalar), bytes_of(kBool3),
                        bytes_of(kI64Empty0x3), bytes_of(kBigEndianI4)})
    tried += require_prefixes_fail(file, kDecode);
  tried += require_prefixes_fail(big, kDecode, 1024, 97);  // 16128 bytes: sample the data part
  REQUIRE(tried > 700);
}

TEST_CASE("Npy: a huge claimed shape is refused before allocating", "[core][npy]") {
  const Bytes sixteen(16, std::byte{1});
  // 2^60 elements: over kMaxTensorBytes, refused by checked_element_count.
  Error e = error_of([&] {
    decode_npy(
        npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1152921504606846976,), }",
                 sixteen),
        "huge.npy");
  });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("'huge.npy'") && Catch::Contains("too large"));

  // 1 GiB: allowed by the cap, but the file holds 16 bytes; refused before the buffer exists.
  e = error_of([&] {
    decode_npy(
        npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1073741824,), }", sixteen),
        "gig.npy");
  });
  REQUIRE_THAT(e.what(), Catch::Contains("truncated") && Catch::Contains("1073741824"));

  e = error_of([&] {
    decode_npy(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, "
                        "4294967296, 4294967296), }",
                        sixteen),
               "overflow.npy");
  });
  REQUIRE_THAT(e.what(), Catch::Contains("too large"));

  e = error_of([&] {
    decode_npy(npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': "
                        "(99999999999999999999999,), }",
                        sixteen),
               "digits.npy");
  });
  REQUIRE_THAT(e.what(), Catch::Contains("64 bits"));

  std::string dims32 = "(";
  for (int i = 0; i < 32; ++i) dims32 += "1, ";
  e = error_of([&] {
    decode_npy(
        npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': " + dims32 + "), }", sixteen),
        "dims.npy");
  });
  REQUIRE_THAT(e.what(), Catch::Contains("31 dimensions"));
}

TEST_CASE("Npy: random bit flips never crash", "[core][npy]") {
  const Bytes file = encode_npy(make_random_tensor(DType::Int16, {4, 6}, 9).view());
  const std::size_t failures = flip_bits(file, kDecode, 2024, 200);
  // Flips in the data decode fine; flips in the 128-byte header mostly fail.
  REQUIRE(failures > 20);
  REQUIRE(failures < 200);
  REQUIRE(flip_bits(bytes_of(npy_fixtures::kF32Scalar), kDecode, 7, 200) > 100);
}

TEST_CASE("Npy: unsupported dtypes are named in the error", "[core][npy]") {
  const std::string descr =
      GENERATE(as<std::string>{}, "'<U5'", "'|O'", "'<c8'", "'|S3'", "'<M8[ns]'", "'|i4'", "'<f16'",
               "'=f4'", "'<b1x'", "[('a', '<i4'), ('b', '<f8')]");
  const Bytes file =
      npy_file("{'descr': " + descr + ", 'fortran_order': False, 'shape': (2,), }", {});
  const Error e = error_of([&] { decode_npy(file, "odd.npy"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  const std::string shown = descr[0] == '\'' ? descr.substr(1, descr.size() - 2) : descr;
  REQUIRE_THAT(e.what(), Catch::Contains("unsupported dtype '" + shown + "' in 'odd.npy'"));
}

TEST_CASE("Npy: Fortran order is refused with a hint unless the layout is the same",
          "[core][npy]") {
  const Bytes data = u16_data({1, 2, 3, 4, 5, 6});
  const Error e = error_of([&] {
    decode_npy(npy_file("{'descr': '<u2', 'fortran_order': True, 'shape': (2, 3), }", data),
               "f.npy");
  });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("Fortran order") &&
                             Catch::Contains("np.ascontiguousarray") && Catch::Contains("'f.npy'"));
  // One long dimension: Fortran and C order are the same bytes.
  for (const char* shape : {"(6,)", "(1, 6)", "(6, 1, 1)"}) {
    const Tensor t = decode_npy(
        npy_file(std::string("{'descr': '<u2', 'fortran_order': True, 'shape': ") + shape + "}",
                 data),
        "f1.npy");
    REQUIRE(t.nbytes() == 12);
  }
}

TEST_CASE("Npy: header spellings numpy accepts are read", "[core][npy]") {
  const Bytes data = u16_data({10, 20, 30, 40});
  const Tensor want(DType::UInt16, {2, 2}, data);
  const std::vector<std::string> dicts = {
      "{'shape': (2, 2), 'fortran_order': False, 'descr': '<u2'}",
      "{\"descr\": \"<u2\", \"fortran_order\": False, \"shape\": (2,2)}",
      "{'descr':'<u2','fortran_order':False,'shape':(2L, 2L,),}",
      "  {'descr': '<u2',\n 'fortran_order': False, 'shape': ( 2 , 2 ) , }   ",
  };
  for (const std::string& dict : dicts) {
    INFO(dict);
    for (int major : {1, 2, 3}) REQUIRE(decode_npy(npy_file(dict, data, major), "ok.npy") == want);
  }
}

TEST_CASE("Npy: malformed files are refused", "[core][npy]") {
  const Bytes data = u16_data({1, 2});
  const std::vector<std::string> dicts = {
      "",
      "{",
      "{}",
      "{'descr': '<u2', 'fortran_order': False}",
      "{'descr': '<u2', 'descr': '<u2', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (2)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (-2,)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (2,,)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': [2]}",
      "{'descr': '<u2', 'fortran_order': false, 'shape': (2,)}",
      "{'descr': '<u2, 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (02,)}",
      "{'descr': '<u2', 'fortran_order': False, 'shape': (2,)} x",
      "{'descr': '<u2' 'fortran_order': False, 'shape': (2,)}",
      "{'de\\x73cr': '<u2', 'fortran_order': False, 'shape': (2,)}",
  };
  for (const std::string& dict : dicts) {
    INFO(dict);
    const Error e = error_of([&] { decode_npy(npy_file(dict, data), "bad.npy"); });
    REQUIRE(e.code() == ErrorCode::InvalidArgument);
    REQUIRE_THAT(e.what(), Catch::Contains("'bad.npy'"));
  }
  const std::string good = "{'descr': '<u2', 'fortran_order': False, 'shape': (2,)}";
  Bytes version = npy_file(good, data, 1);
  version[6] = std::byte{4};
  REQUIRE_THAT(error_of([&] { decode_npy(version, "v.npy"); }).what(),
               Catch::Contains("version 4.0"));
  version[6] = std::byte{1};
  version[7] = std::byte{1};
  REQUIRE_THAT(error_of([&] { decode_npy(version, "v.npy"); }).what(),
               Catch::Contains("version 1.1"));
  Bytes magic = npy_file(good, data);
  magic[1] = std::byte{'n'};
  REQUIRE_THAT(error_of([&] { decode_npy(magic, "m.npy"); }).what(), Catch::Contains("magic"));
  Bytes trailing = npy_file(good, data);
  trailing.push_back(std::byte{0});
  REQUIRE_THAT(error_of([&] { decode_npy(trailing, "t.npy"); }).what(),
               Catch::Contains("1 unexpected bytes after the array data"));
}

TEST_CASE("Npy: encode_npy refuses a view whose bytes do not match its shape", "[core][npy]") {
  const Bytes three(3);
  const TensorView view{DType::UInt16, {2}, three};
  REQUIRE(error_of([&] { encode_npy(view); }).code() == ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace hangar::test
