// The pack format: round trip, every strict prefix, every bit flip, hostile size fields, and
// pieces of any size (docs/format/pack.md; STYLE 8.10's three decoder tests).
#include <cstring>

#include "negotiate.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

// A small real repository and the full pack of its history and data.
struct PackFixture {
  StorageTempDir dir{"pack"};
  Bytes pack;
  std::size_t objects = 0;
  std::size_t chunks = 0;

  PackFixture() {
    Repository repo = create_repo(dir.path());
    put_samples(repo, "noise", 0, 4, 1, {4, 4, 3});
    repo.create_column(images_schema("photos", {16, 16, 3}));
    for (std::uint64_t k = 0; k < 3; ++k) {
      Tensor t = hangar::test::make_photo_like(16, 16, 3, k);  // compressible: zstd chunks
      repo.put("photos", Key(k), std::nullopt, t.view());
    }
    const Digest head = repo.commit("base");
    transfer::HistoryReader history(repo);
    const Digest wants[] = {head};
    std::vector<Digest> chunk_ids;  // of every new sample, inline ones included
    auto plan = history.plan_history(history.commits_between(wants, {}), &chunk_ids);
    objects = plan.size();
    chunks = chunk_ids.size();
    PackProducer producer(repo, std::move(history), std::move(plan), std::move(chunk_ids));
    pack = drain(producer);
  }
};

PackFixture& fixture() {
  static PackFixture f;
  return f;
}

Collector read_pack(ByteView bytes, std::size_t piece = 0) {
  Collector c;
  PackReader reader("test", c);
  if (piece == 0) {
    reader.write(bytes);
  } else {
    for (std::size_t at = 0; at < bytes.size(); at += piece)
      reader.write(bytes.subspan(at, std::min(piece, bytes.size() - at)));
  }
  reader.finish();
  return c;
}

void put_le(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

TEST_CASE("Pack: round trip of objects and chunks, in pieces of any size", "[remote][pack]") {
  const auto& f = fixture();
  const Collector whole = read_pack(f.pack);
  CHECK(whole.objects.size() == f.objects);
  CHECK(whole.chunks.size() == f.chunks);
  CHECK(f.chunks == 7);
  for (std::size_t piece : {1, 7, 29, 4096}) {
    const Collector c = read_pack(f.pack, piece);
    CHECK(c.objects == whole.objects);
    CHECK(c.object_bytes == whole.object_bytes);
    CHECK(c.chunk_bytes == whole.chunk_bytes);
  }
  // encode(decode(b)) == b: writing the records back gives the same bytes.
  PackWriter w;
  for (std::size_t i = 0; i < whole.objects.size(); ++i)
    w.add_object(whole.objects[i].first, whole.objects[i].second, whole.object_bytes[i]);
  // Chunks go back with their codec as stored: read it from the original stream's heads.
  std::size_t at = kPackHeaderSize, n = 0;
  std::vector<std::pair<std::uint8_t, std::uint32_t>> heads;
  while (at < f.pack.size()) {
    const auto type = std::to_integer<std::uint8_t>(f.pack[at]);
    std::uint64_t payload = 0;
    std::uint32_t raw = 0;
    for (int i = 0; i < 8; ++i)
      payload |= std::to_integer<std::uint64_t>(f.pack[at + kPayloadAt + i]) << (8 * i);
    for (int i = 0; i < 4; ++i)
      raw |= std::to_integer<std::uint32_t>(f.pack[at + kRawAt + i]) << (8 * i);
    if (type == 0x10) heads.emplace_back(std::to_integer<std::uint8_t>(f.pack[at + 1]), raw);
    at += kRecordHeaderSize + payload;
    ++n;
  }
  REQUIRE(heads.size() == whole.chunks.size());
  for (std::size_t i = 0; i < heads.size(); ++i)
    w.add_chunk({whole.chunks[i], static_cast<storage::ChunkCodec>(heads[i].first), heads[i].second,
                 whole.chunk_bytes[i]});
  w.finish();
  CHECK(Bytes(w.pending().begin(), w.pending().end()) == f.pack);
  CHECK(n == f.objects + f.chunks + 1);
}

TEST_CASE("Pack: every strict prefix is an error naming the records read", "[remote][pack]") {
  const auto& f = fixture();
  for (std::size_t len = 0; len < f.pack.size(); ++len) {
    Collector c;
    PackReader reader("test", c);
    reader.write(ByteView(f.pack).first(len));
    const Error e = error_of([&] { reader.finish(); });
    REQUIRE(e.code() == ErrorCode::Remote);
    REQUIRE(std::string(e.what()).find(
                "ended after " + std::to_string(c.objects.size() + c.chunks.size()) + " records") !=
            std::string::npos);
  }
}

TEST_CASE("Pack: every flipped bit is detected", "[remote][pack]") {
  const auto& f = fixture();
  for (std::size_t i = 0; i < f.pack.size(); ++i) {
    Bytes bad = f.pack;
    bad[i] ^= static_cast<std::byte>(1u << (i % 8));
    const Error e = error_of([&] { read_pack(bad); });
    const bool expected = e.code() == ErrorCode::Corrupt || e.code() == ErrorCode::Remote ||
                          e.code() == ErrorCode::Unsupported;
    INFO("byte " << i << ": " << e.what());
    REQUIRE(expected);
  }
}

TEST_CASE("Pack: hostile size fields fail before allocating", "[remote][pack]") {
  const auto& f = fixture();
  const std::size_t head = kPackHeaderSize;  // the first record's head
  SECTION("payload size 2^60") {
    Bytes bad(f.pack.begin(), f.pack.begin() + head + kRecordHeaderSize);
    put_le(bad, head + kPayloadAt, std::uint64_t{1} << 60, 8);
    Collector c;
    PackReader reader("test", c);
    const Error e = error_of([&] { reader.write(bad); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(std::string(e.what()).find("payload size") != std::string::npos);
  }
  SECTION("raw size over the limit") {
    Bytes bad(f.pack.begin(), f.pack.begin() + head + kRecordHeaderSize);
    put_le(bad, head + kRawAt, 0xFFFFFFFFu, 4);
    Collector c;
    PackReader reader("test", c);
    CHECK(error_of([&] { reader.write(bad); }).code() == ErrorCode::Corrupt);
  }
  SECTION("unknown record type") {
    Bytes bad = f.pack;
    bad[head] = std::byte{0x42};
    CHECK(error_of([&] { read_pack(bad); }).code() == ErrorCode::Corrupt);
  }
  SECTION("a newer pack version") {
    Bytes bad = f.pack;
    bad[4] = std::byte{3};
    const Error e = error_of([&] { read_pack(bad); });
    CHECK(e.code() == ErrorCode::Unsupported);
    CHECK(std::string(e.what()).find("upgrade hangar") != std::string::npos);
  }
  SECTION("an older pack version (format 1: 16-byte XXH3 digests)") {
    Bytes bad = f.pack;
    bad[4] = std::byte{1};
    const Error e = error_of([&] { read_pack(bad); });
    CHECK(e.code() == ErrorCode::Unsupported);
    CHECK_THAT(e.what(), Catch::Contains("format version 1") && Catch::Contains("upgrade hangar"));
  }
  SECTION("bytes after the trailer") {
    Bytes bad = f.pack;
    bad.push_back(std::byte{0});
    CHECK(error_of([&] { read_pack(bad); }).code() == ErrorCode::Corrupt);
  }
  SECTION("not a pack at all") {
    const std::string html = "<html>404 not found</html>";
    CHECK(error_of([&] { read_pack(as_bytes(html)); }).code() == ErrorCode::Corrupt);
  }
}

TEST_CASE("Pack: an empty pack is just a header and a trailer", "[remote][pack]") {
  PackWriter w;
  w.finish();
  CHECK(w.pending().size() == kPackHeaderSize + kRecordHeaderSize + kTrailerPayloadSize);
  const Collector c = read_pack(w.pending());
  CHECK(c.objects.empty());
  CHECK(c.chunks.empty());
}

}  // namespace
}  // namespace hangar::remote::test
