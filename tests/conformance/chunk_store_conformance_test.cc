// One conformance suite for every chunk backend (STYLE 8.11): each TEMPLATE_TEST_CASE runs
// against the lmdb ("l0", "l1") and the hdf5 ("h0") backends through the ChunkStore interface
// and the Chunks facade. Backend-specific damage lives in the fixtures.
#include <hangar/error.h>
#include <hangar/storage/chunks.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "conformance/backend_fixtures.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::ByteView;
using hangar::Digest;
using hangar::ErrorCode;
using hangar::testing::code_of;
using hangar::testing::Hdf5Backend;
using hangar::testing::LmdbBackend;
using hangar::testing::LmdbSegmentsBackend;
using hangar::testing::noise;
using hangar::testing::pattern;

namespace {

Bytes read_stored(const ChunkStore& store, const ChunkLocation& loc) {
  Bytes out(loc.stored_size);
  store.read(loc, out);
  return out;
}

EncodedChunk appended(ChunkStore& store, const EncodedChunk& c, ChunkLocation* loc) {
  *loc = store.append(c.digest, c.codec, c.raw_size, c.stored);
  return c;
}

// Forwards to a real store and checks the durability order: when flush() runs, none of the
// appended digests may be in the index yet. Optionally fails the flush.
class OrderCheckingStore final : public ChunkStore {
 public:
  OrderCheckingStore(std::unique_ptr<ChunkStore> inner, bool fail_flush)
      : inner_(std::move(inner)), fail_flush_(fail_flush) {}
  BackendCode code() const override { return inner_->code(); }
  ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                       ByteView stored) override {
    appended_.push_back(id);
    return inner_->append(id, codec, raw_size, stored);
  }
  void flush() override {
    ++flushes;
    for (const Digest& d : appended_)
      if (chunks != nullptr && chunks->contains(d)) ++indexed_before_flush;
    appended_.clear();
    if (fail_flush_) hangar::fail(ErrorCode::NoSpace, "injected flush failure");
    inner_->flush();
  }
  void read(const ChunkLocation& loc, hangar::MutableByteView out) const override {
    inner_->read(loc, out);
  }
  bool verify(const ChunkLocation& loc) const override { return inner_->verify(loc); }

  const Chunks* chunks = nullptr;
  int flushes = 0;
  int indexed_before_flush = 0;

 private:
  std::unique_ptr<ChunkStore> inner_;
  bool fail_flush_;
  std::vector<Digest> appended_;
};

}  // namespace

TEMPLATE_TEST_CASE("ChunkStore conformance: append, flush, read back and verify",
                   "[conformance][chunk_store]", LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  auto store = fx.open(false);
  CHECK(store->code() == TestType::kCode);
  const EncodedChunk raw = encode_chunk(noise(5000, 1), 3);
  const EncodedChunk packed = encode_chunk(pattern(70000, 2), 3);
  const EncodedChunk empty = encode_chunk(ByteView{}, 3);
  REQUIRE(raw.codec == ChunkCodec::Raw);
  REQUIRE(packed.codec == ChunkCodec::Zstd);
  ChunkLocation lr, lp, le;
  appended(*store, raw, &lr);
  appended(*store, packed, &lp);
  appended(*store, empty, &le);
  store->flush();
  for (const auto& [loc, c] : {std::pair{lr, raw}, std::pair{lp, packed}, std::pair{le, empty}}) {
    CHECK(loc.backend == TestType::kCode);
    CHECK(loc.codec == c.codec);
    CHECK(loc.raw_size == c.raw_size);
    CHECK(loc.stored_size == c.stored.size());
    CHECK(loc.backend_record.size() <= kMaxBackendRecord);
    CHECK(decode_location(encode_location(loc)) == loc);
    CHECK(read_stored(*store, loc) == c.stored);
    CHECK(store->verify(loc));
  }
  Bytes wrong(lr.stored_size + 1);
  CHECK(code_of([&] { store->read(lr, wrong); }) == ErrorCode::InvalidArgument);
  ChunkLocation bigger = lr;
  bigger.stored_size += 1;
  bigger.raw_size += 1;
  CHECK_FALSE(store->verify(bigger));
  ChunkLocation bad_record = lr;
  bad_record.backend_record.push_back(std::byte{0});
  CHECK_FALSE(store->verify(bad_record));
  Bytes out(lr.stored_size);
  CHECK(code_of([&] { store->read(bad_record, out); }) == ErrorCode::Corrupt);
  // Through the facade: a per-thread reader decodes and verifies.
  auto reader = store->open_reader();
  CHECK(Bytes(reader->stored(lp).begin(), reader->stored(lp).end()) == packed.stored);
}

TEMPLATE_TEST_CASE("ChunkStore conformance: many chunks over several flushes survive reopening",
                   "[conformance][chunk_store]", LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  std::vector<std::pair<EncodedChunk, ChunkLocation>> all;
  {
    auto store = fx.open(false);
    for (int batch = 0; batch < 5; ++batch) {
      for (int i = 0; i < 60; ++i) {
        const int n = batch * 60 + i;
        const std::size_t size = 1000 + static_cast<std::size_t>(n % 7) * 333;
        EncodedChunk c = encode_chunk(n % 2 ? noise(size, n) : pattern(size, n), 3);
        ChunkLocation loc = store->append(c.digest, c.codec, c.raw_size, c.stored);
        all.emplace_back(std::move(c), std::move(loc));
      }
      store->flush();
    }
    for (const auto& [c, loc] : all) CHECK(read_stored(*store, loc) == c.stored);
  }
  auto ro = fx.open(true);
  int good = 0;
  for (const auto& [c, loc] : all) {
    Bytes raw(c.raw_size);
    decode_chunk(loc.codec, read_stored(*ro, loc), raw);
    good += hangar::digest_of(raw) == c.digest && ro->verify(loc);
  }
  CHECK(good == 300);
}

TEMPLATE_TEST_CASE("ChunkStore conformance: unflushed appends are dropped, the store goes on",
                   "[conformance][chunk_store]", LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  const EncodedChunk a = encode_chunk(noise(3000, 11), 3);
  const EncodedChunk b = encode_chunk(noise(3000, 12), 3);
  const EncodedChunk c = encode_chunk(noise(3000, 13), 3);
  ChunkLocation la, lb, lc;
  {
    auto store = fx.open(false);
    appended(*store, a, &la);
    store->flush();
    appended(*store, b, &lb);  // never flushed: as if the process died here
  }
  auto store = fx.open(false);
  CHECK(store->verify(la));
  CHECK(read_stored(*store, la) == a.stored);
  CHECK_FALSE(store->verify(lb));
  appended(*store, c, &lc);
  store->flush();
  CHECK(read_stored(*store, lc) == c.stored);
  CHECK(read_stored(*store, la) == a.stored);
}

TEMPLATE_TEST_CASE(
    "ChunkStore conformance: flush before index commit, a failed flush indexes "
    "nothing",
    "[conformance][chunk_store]", LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  hangar::testing::StorageTempDir repo("conformance-repo");
  const std::vector<EncodedChunk> batch{encode_chunk(noise(2000, 21), 3),
                                        encode_chunk(pattern(50000, 22), 3)};
  {
    auto wrapper = std::make_unique<OrderCheckingStore>(fx.open(false), true);
    OrderCheckingStore* w = wrapper.get();
    auto chunks = Chunks::open_with_backend(repo.path(), std::move(wrapper));
    w->chunks = &chunks;
    const ChunkStats before = chunks.stats();
    CHECK(code_of([&] { chunks.write(batch, TestType::kCode); }) == ErrorCode::NoSpace);
    CHECK(w->flushes == 1);
    CHECK(chunks.stats() == before);
    CHECK_FALSE(chunks.contains(batch[0].digest));
    CHECK_FALSE(chunks.contains(batch[1].digest));
  }
  auto wrapper = std::make_unique<OrderCheckingStore>(fx.open(false), false);
  OrderCheckingStore* w = wrapper.get();
  auto chunks = Chunks::open_with_backend(repo.path(), std::move(wrapper));
  w->chunks = &chunks;
  CHECK(chunks.write(batch, TestType::kCode) == 2);
  CHECK(w->flushes == 1);
  CHECK(w->indexed_before_flush == 0);
  CHECK(chunks.find(batch[0].digest)->backend == TestType::kCode);
  auto reader = chunks.reader();
  CHECK(hangar::digest_of(reader.read(batch[1].digest)) == batch[1].digest);
  CHECK(chunks.verify_all(true).empty());
}

TEMPLATE_TEST_CASE("ChunkStore conformance: damaged bytes are Corrupt, other chunks readable",
                   "[conformance][chunk_store]", LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  const EncodedChunk a = encode_chunk(noise(6000, 31), 3);
  const EncodedChunk b = encode_chunk(noise(6000, 32), 3);
  {
    auto chunks = fx.chunks(false);
    chunks.write(std::span(&a, 1), TestType::kCode);
    chunks.write(std::span(&b, 1), TestType::kCode);  // a second flush: a second pack for h0
  }
  const ChunkLocation la = *fx.chunks(true).find(a.digest);
  fx.damage(la, a.stored);

  auto chunks = fx.chunks(true);
  auto reader = chunks.reader();
  std::string message;
  CHECK(code_of([&] { reader.read(a.digest); }, &message) == ErrorCode::Corrupt);
  CHECK_THAT(message, Catch::Contains(fx.damage_names(la, a.digest)));
  CHECK(hangar::digest_of(reader.read(b.digest)) == b.digest);
  const auto bad = chunks.verify_all(true);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].first == a.digest);
}

TEMPLATE_TEST_CASE("ChunkStore conformance: concurrent readers", "[conformance][chunk_store]",
                   LmdbBackend, LmdbSegmentsBackend, Hdf5Backend) {
  TestType fx;
  auto chunks = fx.chunks(false);
  std::vector<EncodedChunk> batch;
  for (int i = 0; i < 40; ++i) batch.push_back(encode_chunk(pattern(20000 + i, i), 3));
  chunks.write(std::span(batch.data(), 20), TestType::kCode);
  chunks.write(std::span(batch.data() + 20, 20), TestType::kCode);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto r = chunks.reader();
      for (int round = 0; round < 3; ++round)
        for (const auto& c : batch) good += hangar::digest_of(r.read(c.digest)) == c.digest;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good == 4 * 3 * 40);
}
