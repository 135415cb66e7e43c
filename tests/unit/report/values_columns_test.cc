// Keys, digests, times and column documents (schema, column list/info, summary); the
// Checkout-based ones on a real repository in a temporary folder.
#include <hangar/report/json.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>

#include "keys_of.h"
#include "support/storage_temp_dir.h"

namespace hangar::report {
namespace {

using testing::Keys;
using testing::keys_of;

ColumnSchema images_schema() {
  ColumnSchema s;
  s.name = "images";
  s.shape = {2, 3};
  return s;
}

TEST_CASE("Report: integer keys are JSON numbers, string keys strings", "[report][values]") {
  CHECK(key_json(Key(std::uint64_t{17})).dump() == "17");
  CHECK(key_json(Key(std::string("cat/003"))).dump() == "\"cat/003\"");
}

TEST_CASE("Report: digests are full hex or null", "[report][values]") {
  CHECK(digest_json(std::nullopt).is_null());
  const std::string hex = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";
  const auto d = Digest::from_hex(hex);
  REQUIRE(d.has_value());
  CHECK(digest_json(d).get<std::string>() == hex);
}

TEST_CASE("Report: times are ISO-8601 UTC", "[report][values]") {
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(1795517880) == "2026-11-24T10:58:00Z");
}

TEST_CASE("Report: summary entries carry the contract's keys in order", "[report][columns]") {
  ColumnSchema s = images_schema();
  s.shape = {64, 64, 3};
  const ColumnStats stats{10, 122880, 9, 110592};
  const Json j = column_summary_json(s, stats);
  CHECK(keys_of(j) == Keys{"name", "dtype", "shape", "variable_shape", "layout", "count", "nbytes",
                           "local_count", "local_nbytes"});
  CHECK(j["dtype"] == "uint8");
  CHECK(j["shape"].dump() == "[64,64,3]");
  CHECK(j["local_nbytes"] == 110592);
}

TEST_CASE("Report: schemas carry every field, attributes as an object", "[report][columns]") {
  ColumnSchema s = images_schema();
  s.layout = Layout::Nested;
  s.compression_level = 7;
  s.attributes["labels"] = "cat\ndog";
  const Json j = schema_json(s);
  CHECK(keys_of(j) == Keys{"name", "dtype", "shape", "variable_shape", "layout", "backend",
                           "compression_level", "attributes"});
  CHECK(j["layout"] == "nested");
  CHECK(j["compression_level"] == 7);
  CHECK(j["attributes"].dump() == R"({"labels":"cat\ndog"})");
  CHECK(schema_json(images_schema())["attributes"].dump() == "{}");
}

TEST_CASE("Report: column and summary documents of a staged view", "[report][columns]") {
  hangar::testing::StorageTempDir dir("report");
  Repository::init(dir.path(), UserIdentity{"Test User", "test@example.org"});
  Repository repo = Repository::open(dir.path(), Repository::Mode::Write);
  repo.create_column(images_schema());
  const Tensor t(DType::UInt8, {2, 3}, Bytes(6, std::byte{7}));
  repo.put("images", Key(std::uint64_t{1}), std::nullopt, t.view());
  repo.put("images", Key(std::uint64_t{2}), std::nullopt, t.view());
  const Checkout view = repo.staged_view();

  const Json column = column_json(view, "images");
  CHECK(keys_of(column) == Keys{"name", "dtype", "shape", "variable_shape", "layout", "backend",
                                "compression_level", "attributes", "count", "nbytes"});
  CHECK(column["count"] == 2);
  CHECK(column["nbytes"] == 12);

  const Json summary = summary_json(view);
  CHECK(keys_of(summary) == Keys{"commit", "columns"});
  CHECK(summary["commit"].is_null());  // unborn branch
  REQUIRE(summary["columns"].size() == 1);
  CHECK(summary["columns"][0] == column_summary_json(images_schema(), view.stats("images")));
  CHECK(summary["columns"][0]["local_count"] == 2);

  const Digest id = repo.commit("two images");
  CHECK(summary_json(repo.checkout_at(id))["commit"] == id.hex());
}

}  // namespace
}  // namespace hangar::report
