// The bucket layout of an S3-backed store (remote/src/store_layout.h): pack indexes are decoded
// defensively, manifests round-trip, s3:// URLs are checked.
#include "store_layout.h"

#include <hangar/base/checksum.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>

#include "support/test_util.h"

using namespace hangar;
using namespace hangar::remote::store;

namespace {

PackIndex sample_index() {
  PackBuilder b;
  const Bytes one = to_bytes(std::string_view("first chunk bytes"));
  const Bytes two = to_bytes(std::string_view("second"));
  b.add({digest_of(one), storage::ChunkCodec::Raw, static_cast<std::uint32_t>(one.size()), one});
  b.add({digest_of(two), storage::ChunkCodec::Raw, static_cast<std::uint32_t>(two.size()), two});
  auto [data, index] = b.finish();
  CHECK(index.pack == digest_of(data));
  CHECK(index.size == one.size() + two.size());
  verify_entries(index.entries, 0, data, "test pack");
  return index;
}

}  // namespace

TEST_CASE("pack indexes round-trip and refuse damage", "[remote][store]") {
  const PackIndex index = sample_index();
  const Bytes encoded = encode_index(index);
  const PackIndex back = decode_index(encoded, "idx");
  REQUIRE(back.entries.size() == 2);
  CHECK(back.pack == index.pack);
  CHECK(back.entries[0].id < back.entries[1].id);
  CHECK(back.entries[1].checksum == index.entries[1].checksum);
  for (std::size_t at : {std::size_t{0}, std::size_t{9}, encoded.size() / 2, encoded.size() - 1}) {
    Bytes bad = encoded;
    bad[at] ^= std::byte{0x10};
    CHECK(error_of([&] { decode_index(bad, "idx"); }).code() == ErrorCode::Corrupt);
  }
  CHECK(error_of([&] { decode_index(ByteView(encoded).first(40), "idx"); }).code() ==
        ErrorCode::Corrupt);
}

TEST_CASE("verify_entries finds a chunk that does not match", "[remote][store]") {
  PackBuilder b;
  const Bytes one = to_bytes(std::string_view("payload"));
  b.add({digest_of(one), storage::ChunkCodec::Raw, 7, one});
  auto [data, index] = b.finish();
  data[3] ^= std::byte{1};
  CHECK_THROWS_WITH(verify_entries(index.entries, 0, data, "pushed pack"),
                    Catch::Matchers::Contains("checksum mismatch"));
}

TEST_CASE("manifests round-trip", "[remote][store]") {
  Manifest m;
  m.head = "main";
  m.branches = {{"dev", digest_of(as_bytes(std::string_view("a")))},
                {"main", digest_of(as_bytes(std::string_view("b")))}};
  m.history = {digest_of(as_bytes(std::string_view("h")))};
  m.data = {digest_of(as_bytes(std::string_view("d")))};
  const Manifest back = decode_manifest(encode_manifest(m), "manifest");
  CHECK(back.head == "main");
  REQUIRE(back.branches.size() == 2);
  CHECK(back.branches[1].commit == m.branches[1].commit);
  CHECK(back.history == m.history);
  CHECK(back.data == m.data);
  CHECK(error_of([] { decode_manifest("{\"format\": 2}", "m"); }).code() == ErrorCode::Unsupported);
  CHECK(error_of([] { decode_manifest("not json", "m"); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("s3:// URLs name a bucket and a clean prefix", "[remote][store]") {
  CHECK(parse_store_url("s3://bucket").prefix.empty());
  CHECK(parse_store_url("s3://bucket/").prefix.empty());
  const StoreUrl u = parse_store_url("s3://my-bucket/a//b/");
  CHECK(u.bucket == "my-bucket");
  CHECK(u.prefix == "a/b/");
  CHECK(data_key(u.prefix, digest_of({})).starts_with("a/b/data/"));
  for (const char* bad : {"http://x/y", "s3://B/x", "s3://ab", "s3://bucket/a/../b"})
    CHECK(error_of([&] { parse_store_url(bad); }).code() == ErrorCode::InvalidArgument);
}
