// Chunks facade: dedup, verified reads, NotLocal, corruption, durability order, threads.
#include <hangar/base/checksum.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>
#include <hangar/storage/lmdb.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "lmdb_chunk_store.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::code_of;
using hangar::Digest;
using hangar::ErrorCode;

namespace {

Bytes pattern(std::size_t n, int seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i / 16 + seed) % 11);
  return b;
}
Bytes noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
  return b;
}

// A backend that fails at a chosen step (TileDB FailingFS idea) and counts calls.
class FailingChunkStore final : public ChunkStore {
 public:
  enum class Step { Append, Flush };
  explicit FailingChunkStore(Step step) : step_(step) {}
  BackendCode code() const override { return BackendCode::Lmdb; }
  ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                       hangar::ByteView stored) override {
    ++appends;
    if (step_ == Step::Append && appends == 2) hangar::fail(ErrorCode::Io, "injected append");
    return {BackendCode::Lmdb, codec, raw_size, static_cast<std::uint32_t>(stored.size()),
            hangar::to_bytes(id.view())};
  }
  void flush() override {
    ++flushes;
    hangar::fail(ErrorCode::NoSpace, "injected flush failure");
  }
  void read(const ChunkLocation&, hangar::MutableByteView) const override {
    hangar::fail(ErrorCode::Io, "injected read");
  }
  bool verify(const ChunkLocation&) const override { return false; }
  int appends = 0;
  int flushes = 0;

 private:
  Step step_;
};

void flip_stored_byte(const std::filesystem::path& chunks_dir, const Digest& d, std::size_t at) {
  auto env = lmdb::Env::open(chunks_dir / "lmdb", {"chunks"});
  auto t = env.table("chunks");
  env.write([&](lmdb::WriteTxn& w) {
    auto v = w.get(t, d.view());
    REQUIRE(v);
    Bytes copy = hangar::to_bytes(*v);
    copy.at(at) ^= std::byte{0x40};
    w.put(t, d.view(), copy);
  });
}
}  // namespace

TEST_CASE("Chunks: write, dedup and verified read", "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  auto chunks = Chunks::open(dir.path(), false);
  const Bytes a = pattern(50000, 1), b = noise(3000, 2);
  std::vector<EncodedChunk> batch{encode_chunk(a, 3), encode_chunk(b, 3), encode_chunk(a, 3)};
  CHECK(batch[0].codec == ChunkCodec::Zstd);
  CHECK(batch[1].codec == ChunkCodec::Raw);
  CHECK(chunks.write(batch) == 2);
  CHECK(chunks.write(batch) == 0);
  const ChunkStats s = chunks.stats();
  CHECK(s.chunks == 2);
  CHECK(s.raw_bytes == a.size() + b.size());
  CHECK(s.stored_bytes == batch[0].stored.size() + b.size());
  CHECK(chunks.contains(batch[0].digest));
  auto loc = chunks.find(batch[1].digest);
  REQUIRE(loc);
  CHECK(loc->backend == BackendCode::LmdbSegments);  // where new chunks go by default
  CHECK(loc->raw_size == b.size());

  auto reader = chunks.reader();
  Bytes out(a.size());
  reader.read(batch[0].digest, out);
  CHECK(out == a);
  CHECK(reader.read(batch[1].digest) == b);
  CHECK(reader.raw_size(batch[0].digest) == a.size());
  auto [stored_loc, stored] = reader.read_stored(batch[0].digest);
  CHECK(stored_loc.codec == ChunkCodec::Zstd);
  CHECK(Bytes(stored.begin(), stored.end()) == batch[0].stored);
  Bytes wrong(a.size() - 1);
  CHECK(code_of([&] { reader.read(batch[0].digest, wrong); }) == ErrorCode::InvalidArgument);
  CHECK(chunks.verify_all(true).empty());
  // fsck's progress: the stored bytes checked, ending at all of them.
  std::uint64_t done = 0, total = 0;
  CHECK(chunks
            .verify_all(false,
                        [&](std::uint64_t d, std::uint64_t t) {
                          done = d;
                          total = t;
                        })
            .empty());
  CHECK(done == chunks.stats().stored_bytes);
  CHECK(total == done);
  CHECK(done > 0);
}

TEST_CASE("Chunks: in_stored_order lists chunks as they lie in the store, absent ones last",
          "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  auto chunks = Chunks::open(dir.path(), false);
  // Three batches of distinct chunks: each batch appends after the one before.
  std::vector<Digest> written;
  for (unsigned batch = 0; batch < 3; ++batch) {
    std::vector<EncodedChunk> b;
    for (unsigned i = 0; i < 40; ++i) b.push_back(encode_chunk(noise(700 + i, batch * 100 + i), 3));
    for (const auto& c : b) written.push_back(c.digest);
    REQUIRE(chunks.write(b) == b.size());
  }
  const Digest absent1 = hangar::digest_of(hangar::as_bytes("absent 1"));
  const Digest absent2 = hangar::digest_of(hangar::as_bytes("absent 2"));
  std::vector<Digest> asked = written;
  std::mt19937 rng(7);
  std::shuffle(asked.begin(), asked.end(), rng);
  asked.insert(asked.begin() + 10, absent2);
  asked.insert(asked.begin() + 50, absent1);
  auto reader = chunks.reader();
  std::vector<Digest> want = written;
  want.push_back(absent2);
  want.push_back(absent1);
  CHECK(reader.in_stored_order(asked) == want);
  // read_stored at a location found before reads what the lookup-and-read does.
  const auto found = reader.find(written[5]);
  REQUIRE(found);
  const auto [loc, view] = reader.read_stored(written[5], *found);
  const Bytes at(view.begin(), view.end());
  const auto [loc2, view2] = reader.read_stored(written[5]);
  CHECK(loc == loc2);
  CHECK(at == Bytes(view2.begin(), view2.end()));
}

TEST_CASE("Chunks: absent digests are not local", "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  auto chunks = Chunks::open(dir.path(), false);
  const EncodedChunk c = encode_chunk(pattern(100, 3), 3);
  chunks.write(std::span(&c, 1));
  const Digest absent = hangar::digest_of(hangar::as_bytes("absent"));
  CHECK_FALSE(chunks.contains(absent));
  CHECK_FALSE(chunks.find(absent).has_value());
  std::vector<Digest> asked{absent, c.digest, absent};
  CHECK(chunks.missing(asked) == std::vector<Digest>{absent});
  auto reader = chunks.reader();
  CHECK_FALSE(reader.raw_size(absent).has_value());
  std::string message;
  Bytes out(10);
  CHECK(code_of([&] { reader.read(absent, out); }, &message) == ErrorCode::NotLocal);
  CHECK(message == "chunk " + absent.hex() + " is not local");
}

TEST_CASE("Chunks: flipped stored bytes are Corrupt on read and in verify_all",
          "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  const EncodedChunk raw = encode_chunk(noise(4000, 5), 3);
  const EncodedChunk packed = encode_chunk(pattern(40000, 6), 3);
  REQUIRE(raw.codec == ChunkCodec::Raw);
  REQUIRE(packed.codec == ChunkCodec::Zstd);
  Chunks::open(dir.path(), false).write(std::vector<EncodedChunk>{raw, packed}, BackendCode::Lmdb);
  flip_stored_byte(dir.path(), raw.digest, 100);
  flip_stored_byte(dir.path(), packed.digest, packed.stored.size() / 2);

  auto chunks = Chunks::open(dir.path(), true);
  auto reader = chunks.reader();
  std::string message;
  Bytes out(raw.raw_size);
  // An ordinary read checks the location's checksum of the stored bytes, before decoding.
  CHECK(code_of([&] { reader.read(raw.digest, out); }, &message) == ErrorCode::Corrupt);
  CHECK(message.find("chunk " + raw.digest.hex() + ": checksum mismatch in backend 'l0'") == 0);
  Bytes out2(packed.raw_size);
  CHECK(code_of([&] { reader.read(packed.digest, out2); }, &message) == ErrorCode::Corrupt);
  CHECK(message.find("chunk " + packed.digest.hex() + ": checksum mismatch") == 0);
  // ReadCheck::Digest (fsck --rehash) decodes and re-hashes with SHA-256.
  CHECK(code_of([&] { reader.read(raw.digest, out, ReadCheck::Digest); }, &message) ==
        ErrorCode::Corrupt);
  CHECK(message.find("chunk " + raw.digest.hex() + ": digest mismatch, got ") == 0);
  CHECK(code_of([&] { reader.read(packed.digest, out2, ReadCheck::Digest); }, &message) ==
        ErrorCode::Corrupt);
  CHECK(message.find("chunk " + packed.digest.hex() + ": ") == 0);
  CHECK(chunks.verify_all(false).empty());  // sizes still match
  CHECK(chunks.verify_all(true).size() == 2);
}

TEST_CASE("Chunks: a location without a checksum (version 1) is verified by its digest",
          "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  const EncodedChunk c = encode_chunk(noise(3000, 11), 3);
  Chunks::open(dir.path(), false).write(std::span(&c, 1), BackendCode::Lmdb);
  {  // drop the checksum: the location becomes a version-1 record
    auto env = lmdb::Env::open(dir.path() / "index", {"locations", "meta"});
    auto t = env.table("locations");
    env.write([&](lmdb::WriteTxn& w) {
      auto v = w.get(t, c.digest.view());
      REQUIRE(v);
      ChunkLocation loc = decode_location(*v);
      REQUIRE(loc.checksum == hangar::xxh3_64(c.stored));
      loc.checksum.reset();
      w.put(t, c.digest.view(), encode_location(loc));
    });
  }
  {
    auto chunks = Chunks::open(dir.path(), true);
    auto reader = chunks.reader();
    REQUIRE(reader.find(c.digest));
    CHECK_FALSE(reader.find(c.digest)->checksum.has_value());
    CHECK(reader.read(c.digest) == noise(3000, 11));
  }
  flip_stored_byte(dir.path(), c.digest, 10);
  auto chunks = Chunks::open(dir.path(), true);
  auto reader = chunks.reader();
  std::string message;
  Bytes out(c.raw_size);
  CHECK(code_of([&] { reader.read(c.digest, out); }, &message) == ErrorCode::Corrupt);
  CHECK(message.find("chunk " + c.digest.hex() + ": digest mismatch, got ") == 0);
}

TEST_CASE("Chunks: a failing backend leaves the index unchanged", "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  const EncodedChunk first = encode_chunk(pattern(1000, 7), 3);
  Chunks::open(dir.path(), false).write(std::span(&first, 1));
  const std::vector<EncodedChunk> batch{encode_chunk(pattern(1000, 8), 3),
                                        encode_chunk(pattern(1000, 9), 3), first};
  for (auto step : {FailingChunkStore::Step::Flush, FailingChunkStore::Step::Append}) {
    auto store = std::make_unique<FailingChunkStore>(step);
    FailingChunkStore* fake = store.get();
    auto chunks = Chunks::open_with_backend(dir.path(), std::move(store));
    const ChunkStats before = chunks.stats();
    const ErrorCode code = code_of([&] { chunks.write(batch, BackendCode::Lmdb); });
    CHECK(code == (step == FailingChunkStore::Step::Flush ? ErrorCode::NoSpace : ErrorCode::Io));
    CHECK(fake->appends == 2);  // `first` was deduplicated, never appended
    CHECK(fake->flushes == (step == FailingChunkStore::Step::Flush ? 1 : 0));
    CHECK(chunks.stats() == before);
    CHECK_FALSE(chunks.contains(batch[0].digest));
    CHECK_FALSE(chunks.contains(batch[1].digest));
    CHECK(chunks.contains(first.digest));
  }
  auto chunks = Chunks::open(dir.path(), false);  // the real backend works again
  CHECK(chunks.write(batch) == 2);
}

TEST_CASE("Chunks: readers see later writes and work from several threads", "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  auto chunks = Chunks::open(dir.path(), false);
  std::vector<EncodedChunk> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(encode_chunk(pattern(5000 + i, i), 3));
  auto early = chunks.reader();  // snapshot taken before the write
  early.release();
  chunks.write(batch);
  CHECK(early.read(batch[3].digest).size() == batch[3].raw_size);

  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto r = chunks.reader();
      for (int round = 0; round < 5; ++round) {
        for (const auto& c : batch) {
          Bytes out(c.raw_size);
          r.read(c.digest, out);
          if (hangar::digest_of(out) == c.digest) ++good;
        }
        r.release();
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good == 4 * 5 * 20);
}

TEST_CASE("Chunks: read-only opening and unknown backends", "[storage][chunks]") {
  hangar::testing::StorageTempDir dir;
  CHECK(code_of([&] { Chunks::open(dir.path() / "nope", true); }) == ErrorCode::NotFound);
  const EncodedChunk c = encode_chunk(pattern(64, 1), 3);
  auto writer = Chunks::open(dir.path(), false);
  std::string message;
  const auto x1 = static_cast<BackendCode>(0x7831);
  CHECK(code_of([&] { writer.write(std::span(&c, 1), x1); }, &message) == ErrorCode::Unsupported);
  CHECK(message == "chunk written by a newer hangar (backend code 'x1'); upgrade hangar");
  CHECK(code_of([&] { open_backend(x1, dir.path(), false); }) == ErrorCode::Unsupported);
  // A location from a newer hangar in the index: reading it says "upgrade".
  std::vector<std::pair<Digest, ChunkLocation>> entry{
      {c.digest, ChunkLocation{x1, ChunkCodec::Raw, 64, 64, {}}}};
  writer.index().commit(entry);
  auto ro = Chunks::open(dir.path(), true);
  CHECK(ro.is_read_only());
  CHECK(ro.contains(c.digest));
  auto reader = ro.reader();
  CHECK(code_of([&] { reader.read(c.digest); }) == ErrorCode::Unsupported);
  CHECK(code_of([&] { ro.write(std::span(&c, 1)); }) == ErrorCode::Internal);
}
