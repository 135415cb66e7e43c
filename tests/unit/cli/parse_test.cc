// Command-line value parsing: sizes, shapes, dtypes, backends, formats, keys.
#include "parse.h"

#include <hangar/error.h>

#include <catch2/catch.hpp>

using hangar::cli::UsageError;

TEST_CASE("Parse: plain byte counts and binary units", "[cli][parse]") {
  using hangar::cli::parse_size;
  CHECK(parse_size("0") == 0);
  CHECK(parse_size("1024") == 1024);
  CHECK(parse_size("1K") == 1024);
  CHECK(parse_size("200M") == 200ull << 20);
  CHECK(parse_size("200m") == 200ull << 20);
  CHECK(parse_size("1.5G") == 3ull << 29);
  CHECK(parse_size("64KiB") == 64ull << 10);
  CHECK(parse_size("2TB") == 2ull << 40);
  CHECK(parse_size(" 3 MB ") == 3ull << 20);
  CHECK(parse_size("10B") == 10);
  CHECK(parse_size("0.5K") == 512);
}

TEST_CASE("Parse: malformed sizes are usage errors", "[cli][parse]") {
  using hangar::cli::parse_size;
  for (const char* bad : {"", "M", "-1", "12Q", "1.5.5G", "1e9", "10 MiBs", "99999999999P"}) {
    INFO("size '" << bad << "'");
    CHECK_THROWS_AS(parse_size(bad), UsageError);
  }
  CHECK_THROWS_WITH(parse_size("12Q"), Catch::Contains("12Q") && Catch::Contains("200M"));
}

TEST_CASE("Parse: percentages for --max-bytes", "[cli][parse]") {
  using hangar::cli::parse_percent;
  CHECK(parse_percent("10%") == 10.0);
  CHECK(parse_percent(" 2.5 % ") == 2.5);
  CHECK(parse_percent("100%") == 100.0);
  CHECK_FALSE(parse_percent("200M").has_value());
  CHECK_FALSE(parse_percent("10").has_value());
  for (const char* bad : {"%", "0%", "-5%", "150%", "x%", "10%%", "1e%"})
    CHECK_THROWS_AS(parse_percent(bad), UsageError);
}

TEST_CASE("Parse: shapes in several spellings", "[cli][parse]") {
  using hangar::Shape;
  using hangar::cli::parse_shape;
  CHECK(parse_shape("64,64,3") == Shape{64, 64, 3});
  CHECK(parse_shape("[64, 64, 3]") == Shape{64, 64, 3});
  CHECK(parse_shape("(5,)") == Shape{5});
  CHECK(parse_shape("7") == Shape{7});
  CHECK(parse_shape("0,3") == Shape{0, 3});
  CHECK(parse_shape("").empty());
  CHECK(parse_shape("scalar").empty());
  CHECK(parse_shape("[]").empty());
}

TEST_CASE("Parse: malformed shapes are usage errors", "[cli][parse]") {
  using hangar::cli::parse_shape;
  for (const char* bad : {"64,,3", ",", "a,b", "-1", "3.5", "1,2,x", "99999999999999999999999"}) {
    INFO("shape '" << bad << "'");
    CHECK_THROWS_AS(parse_shape(bad), UsageError);
  }
  std::string too_many;
  for (int i = 0; i < 32; ++i) too_many += "1,";
  CHECK_THROWS_WITH(parse_shape(too_many), Catch::Contains("at most 31"));
}

TEST_CASE("Parse: dtype names, backends and export formats", "[cli][parse]") {
  using namespace hangar::cli;
  CHECK(parse_dtype_arg("uint8") == hangar::DType::UInt8);
  CHECK(parse_dtype_arg("float32") == hangar::DType::Float32);
  CHECK(parse_dtype_arg("bool") == hangar::DType::Bool);
  CHECK_THROWS_AS(parse_dtype_arg("complex64"), UsageError);
  CHECK_THROWS_WITH(parse_dtype_arg("uint7"),
                    Catch::Contains("unknown dtype 'uint7'") && Catch::Contains("float64"));
  CHECK(parse_backend_arg("hdf5") == hangar::BackendChoice::Hdf5);
  CHECK(parse_backend_arg("LMDB") == hangar::BackendChoice::Lmdb);
  CHECK(parse_backend_arg("auto") == hangar::BackendChoice::Auto);
  CHECK_THROWS_AS(parse_backend_arg("s3"), UsageError);
  CHECK(parse_format_arg("png") == hangar::ExportFormat::Png);
  CHECK(parse_format_arg("npy") == hangar::ExportFormat::Npy);
  CHECK_THROWS_WITH(parse_format_arg("jpeg"), Catch::Contains("use png or npy"));
}

TEST_CASE("Parse: key lists", "[cli][parse]") {
  using namespace hangar::cli;
  const auto keys = parse_keys({"17", "cat/003", "017"}, "--keys");
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].is_int());
  CHECK(keys[0].as_int() == 17);
  CHECK(keys[1].as_string() == "cat/003");
  CHECK_FALSE(keys[2].is_int());
  CHECK_THROWS_AS(parse_keys({}, "--keys"), UsageError);
  CHECK_FALSE(parse_subkey(std::nullopt).has_value());
  CHECK(parse_subkey(std::string("3"))->as_int() == 3);
}

TEST_CASE("Parse: an unsafe key is bad input, not bad usage", "[cli][parse]") {
  using hangar::cli::parse_key;
  try {
    parse_key("a/../b");
    FAIL("expected an error for a '..' segment");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == hangar::ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Parse: --keys values split at commas and a backslash before a comma keeps it",
          "[cli][parse]") {
  using hangar::cli::split_key_list;
  using V = std::vector<std::string>;
  CHECK(split_key_list(V{}) == V{});
  CHECK(split_key_list(V{"a"}) == V{"a"});
  CHECK(split_key_list(V{"a,b", "c"}) == V{"a", "b", "c"});
  CHECK(split_key_list(V{"cats/1,dogs/2"}) == V{"cats/1", "dogs/2"});
  CHECK(split_key_list(V{"x\\,y,z"}) == V{"x,y", "z"});
  CHECK(split_key_list(V{"a\\b"}) == V{"a\\b"});  // not an escape: the key rules refuse it later
  CHECK_THROWS_AS(split_key_list(V{"a,,b"}), UsageError);
  CHECK_THROWS_AS(split_key_list(V{"a,"}), UsageError);
  CHECK_THROWS_AS(split_key_list(V{","}), UsageError);
  CHECK_THROWS_AS(split_key_list(V{""}), UsageError);
}
