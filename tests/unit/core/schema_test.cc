// Column schemas: name rules, check_fits messages, and the canonical schema encoding
// (docs/format/objects.md#schema).
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/schema.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace hangar {
namespace {

ColumnSchema images() {
  ColumnSchema s;
  s.name = "images";
  s.dtype = DType::UInt8;
  s.shape = {64, 64, 3};
  return s;
}

ColumnSchema rich() {
  ColumnSchema s;
  s.name = "feat.v2-x_1";
  s.dtype = DType::Float32;
  s.shape = {300, 1ull << 20};
  s.variable_shape = true;
  s.layout = Layout::Nested;
  s.backend = BackendChoice::Hdf5;
  s.compression_level = 19;
  s.attributes = {{"classes", "bird\ncat\ndog"}, {"", ""}, {"unit", "m\xc2\xb5"}};
  return s;
}

// The schema layout written field by field, so a test can break any one field.
struct SchemaFields {
  std::uint8_t kind = 0x02;
  std::uint8_t version = 1;
  std::string name = "images";
  std::uint8_t dtype = 6;
  std::uint64_t ndim = 3;
  std::vector<std::uint64_t> shape = {64, 64, 3};
  std::uint8_t variable_shape = 0;
  std::uint8_t layout = 1;
  std::uint8_t backend = 0;
  std::uint8_t level = 3;
  std::uint64_t nattr = 0;
  std::vector<std::pair<std::string, std::string>> attributes;

  Bytes encode() const {
    Encoder e;
    e.u8(kind);
    e.u8(version);
    e.str(name);
    e.u8(dtype);
    e.varint(ndim);
    for (auto d : shape) e.varint(d);
    e.u8(variable_shape);
    e.u8(layout);
    e.u8(backend);
    e.u8(level);
    e.varint(nattr);
    for (const auto& [k, v] : attributes) {
      e.str(k);
      e.str(v);
    }
    return e.take();
  }
};

}  // namespace

TEST_CASE("Schema: column names follow [A-Za-z0-9_.-]{1,64}", "[core][schema]") {
  const std::vector<std::string> good = {"images", "a", "A-Z_0.9",
                                         "...",    "-", std::string(64, 'x')};
  for (const std::string& name : good) CHECK_NOTHROW(validate_column_name(name));
  const std::vector<std::string> bad = {
      "",     std::string(65, 'x'),   "a b", "a/b", "a\\b", "caf\xc3\xa9", "a:b",
      "a\tb", std::string("a\0b", 3), "*"};
  for (const std::string& name : bad) {
    INFO(name);
    const Error e = error_of([&] { validate_column_name(name); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("invalid column name"));
  }
}

TEST_CASE("Schema: validate_schema checks name, shape and compression level", "[core][schema]") {
  CHECK_NOTHROW(validate_schema(images()));
  CHECK_NOTHROW(validate_schema(rich()));

  ColumnSchema bad_name = images();
  bad_name.name = "my images";
  CHECK(error_of([&] { validate_schema(bad_name); }).code() == ErrorCode::InvalidArgument);

  for (int level : {0, 20, -1}) {
    ColumnSchema s = images();
    s.compression_level = level;
    const Error e = error_of([&] { validate_schema(s); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("compression level"));
  }
  ColumnSchema too_many_dims = images();
  too_many_dims.shape = Shape(32, 1);
  CHECK(error_of([&] { validate_schema(too_many_dims); }).code() == ErrorCode::InvalidArgument);
  ColumnSchema too_big = images();
  too_big.shape = {1ull << 30, 1ull << 30};
  const Error e = error_of([&] { validate_schema(too_big); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("column 'images'"));
}

TEST_CASE("Schema: check_fits names column, key, expected and actual", "[core][schema]") {
  const ColumnSchema s = images();
  CHECK_NOTHROW(check_fits(s, DType::UInt8, {64, 64, 3}, "boot/00017"));

  const Error e = error_of([&] { check_fits(s, DType::Float32, {64, 64}, "boot/00017"); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(std::string(e.what()) ==
        "column 'images' expects uint8 [64,64,3], got float32 [64,64] for key 'boot/00017'");

  // Each kind of mismatch alone is refused.
  CHECK(error_of([&] {
          check_fits(s, DType::Int8, {64, 64, 3}, "k");
        }).code() == ErrorCode::InvalidArgument);
  CHECK(error_of([&] {
          check_fits(s, DType::UInt8, {64, 64, 4}, "k");
        }).code() == ErrorCode::InvalidArgument);
  CHECK(error_of([&] {
          check_fits(s, DType::UInt8, {64, 64, 3, 1}, "k");
        }).code() == ErrorCode::InvalidArgument);
  CHECK(error_of([&] {
          check_fits(s, DType::UInt8, {32, 64, 3}, "k");
        }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Schema: a variable shape is a per-dimension maximum", "[core][schema]") {
  ColumnSchema s = images();
  s.name = "crops";
  s.variable_shape = true;
  CHECK_NOTHROW(check_fits(s, DType::UInt8, {64, 64, 3}, "k"));
  CHECK_NOTHROW(check_fits(s, DType::UInt8, {1, 64, 3}, "k"));
  CHECK_NOTHROW(check_fits(s, DType::UInt8, {0, 0, 0}, "k"));
  CHECK_NOTHROW(check_fits(s, DType::UInt8, {10, 20, 2}, "k"));

  const Error bigger = error_of([&] { check_fits(s, DType::UInt8, {65, 64, 3}, "k7"); });
  CHECK(bigger.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(bigger.what(), Catch::Contains("column 'crops'") &&
                                Catch::Contains("uint8 [64,64,3] (variable shape, at most)") &&
                                Catch::Contains("got uint8 [65,64,3]") &&
                                Catch::Contains("key 'k7'"));
  // The number of dimensions is never variable.
  CHECK(error_of([&] {
          check_fits(s, DType::UInt8, {64, 64}, "k");
        }).code() == ErrorCode::InvalidArgument);
  CHECK(error_of([&] {
          check_fits(s, DType::Int16, {1, 1, 1}, "k");
        }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Schema: names of layouts and backends", "[core][schema]") {
  CHECK(layout_name(Layout::Flat) == "flat");
  CHECK(layout_name(Layout::Nested) == "nested");
  for (auto b : {BackendChoice::Auto, BackendChoice::Lmdb, BackendChoice::Hdf5})
    CHECK(parse_backend(backend_name(b)) == b);
  CHECK(backend_name(BackendChoice::Hdf5) == "hdf5");
  CHECK_FALSE(parse_backend("s3").has_value());
  CHECK_FALSE(parse_backend("").has_value());
}

TEST_CASE("Schema codec: the layout is the documented one", "[core][schema]") {
  CHECK(encode_schema(images()) == SchemaFields{}.encode());
  SchemaFields f;
  f.name = "feat.v2-x_1";
  f.dtype = 11;
  f.ndim = 2;
  f.shape = {300, 1ull << 20};
  f.variable_shape = 1;
  f.layout = 2;
  f.backend = 2;
  f.level = 19;
  f.nattr = 3;
  f.attributes = {{"", ""}, {"classes", "bird\ncat\ndog"}, {"unit", "m\xc2\xb5"}};  // sorted
  CHECK(encode_schema(rich()) == f.encode());
}

TEST_CASE("Schema codec: decode(encode(s)) == s and encode(decode(b)) == b", "[core][schema]") {
  for (const ColumnSchema& s : {images(), rich()}) {
    INFO(s.name);
    const Bytes b = encode_schema(s);
    const ColumnSchema back = decode_schema(b);
    CHECK(back == s);
    CHECK(encode_schema(back) == b);
  }
  ColumnSchema scalar = images();
  scalar.name = "labels";
  scalar.dtype = DType::Int64;
  scalar.shape = {};
  CHECK(decode_schema(encode_schema(scalar)) == scalar);
  // Any field change changes the bytes (and so the schema digest).
  ColumnSchema other = images();
  other.compression_level = 4;
  CHECK(encode_schema(other) != encode_schema(images()));
  other = images();
  other.attributes["x"] = "";
  CHECK(encode_schema(other) != encode_schema(images()));
}

TEST_CASE("Schema codec: every strict prefix is Corrupt", "[core][schema]") {
  for (const ColumnSchema& s : {images(), rich()}) {
    const Bytes b = encode_schema(s);
    for (std::size_t n = 0; n < b.size(); ++n) {
      INFO("prefix " << n << " of " << b.size());
      CHECK(error_of([&] { decode_schema(ByteView(b).first(n)); }).code() == ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("Schema codec: huge counts and lengths are Corrupt without allocating",
          "[core][schema]") {
  const std::uint64_t huge = 1ull << 60;
  SECTION("attribute count 2^60") {
    SchemaFields f;
    f.nattr = huge;
    const Error e = error_of([&] { decode_schema(f.encode()); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains("field 'attributes'"));
  }
  SECTION("attribute key and value lengths 2^60") {
    SchemaFields f;
    f.nattr = 1;
    Bytes b = f.encode();
    Encoder tail;
    tail.varint(huge);
    b.insert(b.end(), tail.buffer().begin(), tail.buffer().end());
    CHECK(error_of([&] { decode_schema(b); }).code() == ErrorCode::Corrupt);
    Encoder tail2;
    tail2.str("k");
    tail2.varint(huge);
    Bytes b2 = f.encode();
    b2.insert(b2.end(), tail2.buffer().begin(), tail2.buffer().end());
    CHECK(error_of([&] { decode_schema(b2); }).code() == ErrorCode::Corrupt);
  }
  SECTION("dimension count 2^60 and 32") {
    for (std::uint64_t ndim : {huge, std::uint64_t{32}}) {
      SchemaFields f;
      f.ndim = ndim;
      const Error e = error_of([&] { decode_schema(f.encode()); });
      CHECK(e.code() == ErrorCode::Corrupt);
      CHECK_THAT(e.what(), Catch::Contains("field 'shape'"));
    }
  }
  SECTION("a shape of 2^60 x 2^60 elements") {
    SchemaFields f;
    f.ndim = 2;
    f.shape = {huge, huge};
    CHECK(error_of([&] { decode_schema(f.encode()); }).code() == ErrorCode::Corrupt);
  }
  SECTION("name length 2^60") {
    Encoder e;
    e.u8(0x02);
    e.u8(1);
    e.varint(huge);
    const Error err = error_of([&] { decode_schema(e.buffer()); });
    CHECK(err.code() == ErrorCode::Corrupt);
    CHECK_THAT(err.what(), Catch::Contains("field 'name'"));
  }
}

TEST_CASE("Schema codec: bad field values are Corrupt and name the field", "[core][schema]") {
  auto corrupt_field = [](const SchemaFields& f, const char* field) {
    const Error e = error_of([&] { decode_schema(f.encode()); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains(field));
  };
  SchemaFields f;
  f.kind = 0x01;
  corrupt_field(f, "kind");
  f = {};
  f.dtype = 0;
  corrupt_field(f, "dtype");
  f.dtype = 13;
  corrupt_field(f, "dtype");
  f = {};
  f.layout = 0;
  corrupt_field(f, "layout");
  f.layout = 3;
  corrupt_field(f, "layout");
  f = {};
  f.backend = 3;
  corrupt_field(f, "backend");
  f = {};
  f.level = 0;
  corrupt_field(f, "compression level");
  f = {};
  f.name = "bad name";
  corrupt_field(f, "invalid column name");
  f = {};
  Bytes trailing = f.encode();
  trailing.push_back(std::byte{0});
  CHECK(error_of([&] { decode_schema(trailing); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Schema codec: a newer object version is Unsupported", "[core][schema]") {
  SchemaFields f;
  f.version = 2;
  const Error e = error_of([&] { decode_schema(f.encode()); });
  CHECK(e.code() == ErrorCode::Unsupported);
  CHECK_THAT(e.what(), Catch::Contains("upgrade hangar"));
}

TEST_CASE("Schema codec: non-canonical encodings are Corrupt", "[core][schema]") {
  // A schema has exactly one encoding, so equal schemas always have equal digests.
  SchemaFields f;
  f.variable_shape = 2;
  CHECK(error_of([&] { decode_schema(f.encode()); }).code() == ErrorCode::Corrupt);

  f = {};
  f.nattr = 2;
  f.attributes = {{"b", "1"}, {"a", "2"}};
  const Error unsorted = error_of([&] { decode_schema(f.encode()); });
  CHECK(unsorted.code() == ErrorCode::Corrupt);
  CHECK_THAT(unsorted.what(), Catch::Contains("field 'attributes'"));

  f.attributes = {{"a", "1"}, {"a", "2"}};
  CHECK(error_of([&] { decode_schema(f.encode()); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Schema codec: the example in docs/format/objects.md", "[core][schema]") {
  const Bytes expect = hex_bytes("02 01 06 69 6d 61 67 65 73 06 03 40 40 03 00 01 00 03 00");
  CHECK(encode_schema(images()) == expect);
  CHECK(decode_schema(expect) == images());
}

}  // namespace hangar
