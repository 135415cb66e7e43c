// ChunkLocation encoding and the LocationIndex env.
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/storage/location_index.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "support/storage_temp_dir.h"
#include "support/test_util.h"

using namespace hangar::storage;
using hangar::code_of;
using hangar::Digest;
using hangar::ErrorCode;

namespace {
Digest digest_n(int n) { return hangar::digest_of(hangar::as_bytes(std::to_string(n))); }
ChunkLocation location_for(const Digest& d, std::uint32_t raw, std::uint32_t stored) {
  return ChunkLocation{BackendCode::Lmdb, raw == stored ? ChunkCodec::Raw : ChunkCodec::Zstd, raw,
                       stored, hangar::to_bytes(d.view())};
}
}  // namespace

TEST_CASE("Location: encode/decode round-trip", "[storage][location]") {
  // Version 2: with the checksum of the stored bytes (what every backend writes).
  ChunkLocation loc = location_for(digest_n(1), 4096, 1000);
  loc.checksum = 0x0123456789abcdefull;
  const hangar::Bytes b = encode_location(loc);
  CHECK(b.size() == 1 + 2 + 1 + 4 + 4 + 8 + 1 + 32);
  CHECK(b[0] == std::byte{2});
  CHECK(decode_location(b) == loc);
  CHECK(encode_location(decode_location(b)) == b);
  // Version 1: no checksum (readers then re-hash with the digest).
  const ChunkLocation v1 = location_for(digest_n(1), 4096, 1000);
  const hangar::Bytes b1 = encode_location(v1);
  CHECK(b1.size() == 1 + 2 + 1 + 4 + 4 + 1 + 32);
  CHECK(b1[0] == std::byte{1});
  CHECK_FALSE(decode_location(b1).checksum.has_value());
  CHECK(decode_location(b1) == v1);
  CHECK(backend_code_name(BackendCode::Lmdb) == "l0");
  CHECK(backend_code_name(static_cast<BackendCode>(0x0102)) == "0x0102");
}

TEST_CASE("Location: every strict prefix and trailing bytes throw Corrupt", "[storage][location]") {
  ChunkLocation loc = location_for(digest_n(2), 10, 10);
  loc.checksum = 7;
  const hangar::Bytes b = encode_location(loc);
  for (std::size_t n = 0; n < b.size(); ++n) {
    INFO("prefix " << n);
    CHECK(code_of([&] { decode_location(hangar::ByteView(b).first(n)); }) == ErrorCode::Corrupt);
  }
  hangar::Bytes longer = b;
  longer.push_back(std::byte{0});
  CHECK(code_of([&] { decode_location(longer); }) == ErrorCode::Corrupt);
}

TEST_CASE("Location: hostile fields are rejected", "[storage][location]") {
  auto encode = [](std::uint8_t version, std::uint8_t codec, std::uint32_t raw,
                   std::uint32_t stored, std::uint64_t record_len) {
    hangar::Encoder e;
    e.u8(version);
    e.u16(0x6c30);
    e.u8(codec);
    e.u32(raw);
    e.u32(stored);
    e.varint(record_len);
    return e.take();
  };
  CHECK(code_of([&] { decode_location(encode(1, 1, 10, 5, std::uint64_t{1} << 60)); }) ==
        ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(1, 1, kMaxChunkBytes + 1, 5, 0)); }) ==
        ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(1, 1, 10, 0xFFFFFFFF, 0)); }) == ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(1, 0, 10, 9, 0)); }) == ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(0, 1, 10, 9, 0)); }) == ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(3, 1, 10, 9, 0)); }) == ErrorCode::Unsupported);
  // Version 2 has 8 more bytes (the checksum) before the record: without them it is short.
  CHECK(code_of([&] { decode_location(encode(2, 1, 10, 9, 0)); }) == ErrorCode::Corrupt);
  CHECK(code_of([&] { decode_location(encode(1, 9, 10, 9, 0)); }) == ErrorCode::Unsupported);
  CHECK(decode_location(encode(1, 1, 10, 9, 0)).backend_record.empty());
}

TEST_CASE("LocationIndex: commit, find, stats, remove and reopen", "[storage][location]") {
  hangar::testing::StorageTempDir dir;
  std::vector<std::pair<Digest, ChunkLocation>> entries;
  for (int i = 0; i < 5; ++i) entries.emplace_back(digest_n(i), location_for(digest_n(i), 100, 40));
  {
    auto index = LocationIndex::open(dir.path(), false);
    CHECK_FALSE(index.find(digest_n(0)).has_value());
    CHECK(index.stats() == ChunkStats{});
    CHECK(index.commit(entries) == 5);
    CHECK(index.commit(entries) == 0);  // already present: no double counting
    CHECK(index.stats() == ChunkStats{5, 200, 500});
    auto loc = index.find(digest_n(3));
    REQUIRE(loc);
    CHECK(*loc == entries[3].second);
    std::vector<Digest> gone{digest_n(1), digest_n(99)};
    CHECK(index.remove(gone) == 1);
    CHECK(index.stats() == ChunkStats{4, 160, 400});
  }
  auto index = LocationIndex::open(dir.path(), true);
  auto txn = index.begin_read();
  CHECK(index.contains(txn, digest_n(0)));
  CHECK_FALSE(index.contains(txn, digest_n(1)));
  std::vector<Digest> seen;
  index.for_each(txn, [&](const Digest& d, const ChunkLocation& l) {
    seen.push_back(d);
    CHECK(l.raw_size == 100);
  });
  CHECK(seen.size() == 4);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}
