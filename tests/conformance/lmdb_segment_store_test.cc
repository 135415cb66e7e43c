// Backend "l1" beyond the conformance suite: how chunks are packed into segments, segment ids
// across reopening, write_back without flush, and bad locations.
#include "lmdb_segment_store.h"

#include <hangar/error.h>
#include <hangar/storage/chunks.h>

#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "conformance/backend_fixtures.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::ErrorCode;
using hangar::testing::code_of;
using hangar::testing::noise;

namespace {

std::uint64_t segment_of(const ChunkLocation& loc) {
  REQUIRE(loc.backend_record.size() == 12);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(loc.backend_record[i]);
  return v;
}

Bytes read_stored(const ChunkStore& store, const ChunkLocation& loc) {
  Bytes out(loc.stored_size);
  store.read(loc, out);
  return out;
}

}  // namespace

TEST_CASE("LmdbSegmentStore: small chunks share segments, a large one gets its own",
          "[conformance][segments]") {
  hangar::testing::StorageTempDir dir("segments");
  auto store = LmdbSegmentStore::open(dir.path(), false);
  std::vector<std::pair<Bytes, ChunkLocation>> small;
  for (unsigned i = 0; i < 300; ++i) {  // 300 x 10 KB: about 3 segments
    Bytes b = noise(10000, i);
    ChunkLocation loc = store->append(hangar::digest_of(b), ChunkCodec::Raw, 10000, b);
    small.emplace_back(std::move(b), std::move(loc));
  }
  const Bytes big = noise(LmdbSegmentStore::kSegmentTarget + 5000, 999);
  const ChunkLocation big_loc = store->append(hangar::digest_of(big), ChunkCodec::Raw,
                                              static_cast<std::uint32_t>(big.size()), big);
  store->flush();
  std::set<std::uint64_t> segments;
  for (const auto& [b, loc] : small) {
    segments.insert(segment_of(loc));
    CHECK(read_stored(*store, loc) == b);
  }
  CHECK(segments.size() == 3);
  CHECK(segments.count(segment_of(big_loc)) == 0);
  CHECK(read_stored(*store, big_loc) == big);
  // No chunk straddles segments: each one's offset + size fits its segment.
  for (const auto& [b, loc] : small) CHECK(store->verify(loc));
}

TEST_CASE("LmdbSegmentStore: ids go on after reopening, write_back alone keeps the bytes",
          "[conformance][segments]") {
  hangar::testing::StorageTempDir dir("segments");
  const Bytes a = noise(4000, 1), b = noise(4000, 2), c = noise(4000, 3);
  ChunkLocation la, lb;
  {
    auto store = LmdbSegmentStore::open(dir.path(), false);
    la = store->append(hangar::digest_of(a), ChunkCodec::Raw, 4000, a);
    store->flush();
    lb = store->append(hangar::digest_of(b), ChunkCodec::Raw, 4000, b);
    store->write_back();  // committed, not yet fsynced: survives the process, not power loss
  }
  auto store = LmdbSegmentStore::open(dir.path(), false);
  CHECK(read_stored(*store, la) == a);
  CHECK(read_stored(*store, lb) == b);
  const ChunkLocation lc = store->append(hangar::digest_of(c), ChunkCodec::Raw, 4000, c);
  store->flush();
  CHECK(segment_of(la) < segment_of(lb));
  CHECK(segment_of(lb) < segment_of(lc));
  CHECK(read_stored(*store, lc) == c);
}

TEST_CASE("LmdbSegmentStore: bad locations are Corrupt or fail verify, never read past a segment",
          "[conformance][segments]") {
  hangar::testing::StorageTempDir dir("segments");
  auto store = LmdbSegmentStore::open(dir.path(), false);
  const Bytes a = noise(3000, 7);
  const ChunkLocation la = store->append(hangar::digest_of(a), ChunkCodec::Raw, 3000, a);
  const ChunkLocation empty = store->append(hangar::digest_of({}), ChunkCodec::Raw, 0, {});
  store->flush();
  CHECK(segment_of(empty) == 0);
  CHECK(store->verify(empty));
  CHECK(read_stored(*store, empty).empty());

  ChunkLocation past = la;  // offset + size beyond the segment's end
  past.backend_record[8] = std::byte{0xff};
  CHECK_FALSE(store->verify(past));
  Bytes out(past.stored_size);
  CHECK(code_of([&] { store->read(past, out); }) == ErrorCode::Corrupt);
  auto reader = store->open_reader();
  CHECK(code_of([&] { reader->stored(past); }) == ErrorCode::Corrupt);

  ChunkLocation missing = la;  // a segment that was never written
  missing.backend_record[0] = std::byte{0x7f};
  CHECK_FALSE(store->verify(missing));
  CHECK(code_of([&] { reader->stored(missing); }) == ErrorCode::Corrupt);

  ChunkLocation short_record = la;
  short_record.backend_record.pop_back();
  CHECK_FALSE(store->verify(short_record));
  CHECK(code_of([&] { reader->stored(short_record); }) == ErrorCode::Corrupt);

  ChunkLocation zero_segment = la;  // segment 0 holds only empty chunks
  for (int i = 0; i < 8; ++i) zero_segment.backend_record[i] = std::byte{0};
  CHECK(code_of([&] { reader->stored(zero_segment); }) == ErrorCode::Corrupt);
  CHECK(Bytes(reader->stored(la).begin(), reader->stored(la).end()) == a);
}

TEST_CASE("Chunks: staged chunks are local only after the commit, with one flush",
          "[conformance][segments]") {
  hangar::testing::StorageTempDir dir("staged");
  auto chunks = Chunks::open(dir.path(), false);
  std::vector<EncodedChunk> first, second;
  for (unsigned i = 0; i < 20; ++i) first.push_back(encode_chunk(noise(5000, i), 3));
  for (unsigned i = 10; i < 30; ++i) second.push_back(encode_chunk(noise(5000, i), 3));
  CHECK(chunks.stage(first) == 20);
  chunks.write_back();
  CHECK(chunks.stage(second) == 10);  // 10 of them were staged already
  CHECK_FALSE(chunks.contains(first[0].digest));
  CHECK(chunks.stats().chunks == 0);
  {
    auto reader = chunks.reader();
    CHECK(code_of([&] { reader.read(first[0].digest); }) == ErrorCode::NotLocal);
  }
  CHECK(chunks.commit_staged() == 30);
  CHECK(chunks.commit_staged() == 0);
  CHECK(chunks.stats().chunks == 30);
  auto reader = chunks.reader();
  for (const auto& c : second) CHECK(hangar::digest_of(reader.read(c.digest)) == c.digest);
  CHECK(chunks.find(first[0].digest)->backend == BackendCode::LmdbSegments);

  // Discarded staged chunks never become local; write() commits what is staged with its own.
  const EncodedChunk lost = encode_chunk(noise(5000, 100), 3);
  const EncodedChunk kept = encode_chunk(noise(5000, 101), 3);
  chunks.stage(std::span(&lost, 1));
  chunks.discard_staged();
  CHECK(chunks.commit_staged() == 0);
  CHECK_FALSE(chunks.contains(lost.digest));
  chunks.stage(std::span(&lost, 1));
  CHECK(chunks.write(std::span(&kept, 1)) == 2);
  CHECK(chunks.contains(lost.digest));
  CHECK(chunks.verify_all(true).empty());
}
