// ChunkBatcher (receive.h): batches written on the batcher's own writer thread while the next
// batch fills, every chunk once and in order, a failed write surfacing in the receiving thread.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "receive.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

constexpr std::size_t kChunkBytes = 100u << 10;

// Chunk `i`: its id names i (the batcher never checks ids: its chunks come verified).
transfer::StoredChunk chunk_of(std::uint32_t i, const Bytes& bytes) {
  Digest id;
  for (std::size_t b = 0; b < 4; ++b) id.bytes[b] = static_cast<std::byte>(i >> (8 * b));
  return transfer::StoredChunk{id, storage::ChunkCodec::Raw,
                               static_cast<std::uint32_t>(bytes.size()), bytes};
}

std::uint32_t index_of(const Digest& id) {
  std::uint32_t i = 0;
  for (std::size_t b = 0; b < 4; ++b) i |= std::to_integer<std::uint32_t>(id.bytes[b]) << (8 * b);
  return i;
}

TEST_CASE(
    "ChunkBatcher: every chunk reaches the store once, in order, in bounded batches written "
    "off the receiving thread") {
  const Bytes bytes(kChunkBytes, std::byte{7});
  std::mutex mu;
  std::vector<std::uint32_t> seen;
  std::vector<std::size_t> batch_bytes;
  std::set<std::thread::id> writers;
  ChunkBatcher batcher([&](std::span<const storage::EncodedChunk> chunks) {
    const std::lock_guard<std::mutex> lock(mu);
    std::size_t total = 0;
    for (const auto& c : chunks) {
      seen.push_back(index_of(c.digest));
      CHECK(c.stored == bytes);
      total += c.stored.size();
    }
    batch_bytes.push_back(total);
    writers.insert(std::this_thread::get_id());
    return chunks.size() / 2;  // "new to the repository": whatever the store says
  });
  constexpr std::uint32_t kChunks = 100;  // ~10 MB: several batches
  for (std::uint32_t i = 0; i < kChunks; ++i) batcher.add(chunk_of(i, bytes));
  batcher.flush();

  REQUIRE(seen.size() == kChunks);
  for (std::uint32_t i = 0; i < kChunks; ++i) CHECK(seen[i] == i);
  CHECK(batch_bytes.size() >= 4);
  for (std::size_t b : batch_bytes) CHECK(b <= kChunkBatchBytes + kChunkBytes);
  CHECK(batcher.added() == kChunks);
  std::uint64_t expect_written = 0;
  for (std::size_t b : batch_bytes) expect_written += b / kChunkBytes / 2;
  CHECK(batcher.written() == expect_written);
  REQUIRE(writers.size() == 1);
  CHECK(*writers.begin() != std::this_thread::get_id());
}

TEST_CASE("ChunkBatcher: the next batch fills while one is being written") {
  const Bytes bytes(kChunkBytes, std::byte{1});
  std::promise<void> next_batch_started;
  std::future<void> started = next_batch_started.get_future();
  std::atomic<int> writes{0};
  std::atomic<bool> overlapped{false};
  ChunkBatcher batcher([&](std::span<const storage::EncodedChunk> chunks) {
    // The first write waits until the receiving thread has added to the next batch: a batcher
    // that wrote on the receiving thread would time out here.
    if (writes++ == 0)
      overlapped = started.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    return chunks.size();
  });
  std::uint32_t i = 0;
  while (writes.load() == 0) batcher.add(chunk_of(i++, bytes));  // up to the first hand-over
  batcher.add(chunk_of(i++, bytes));
  next_batch_started.set_value();
  batcher.flush();
  CHECK(overlapped);
  CHECK(batcher.written() == i);
}

TEST_CASE(
    "ChunkBatcher: a failed write surfaces in the receiving thread, and no later batch is "
    "written") {
  const Bytes bytes(kChunkBytes, std::byte{2});
  std::atomic<int> writes{0};
  ChunkBatcher batcher([&](std::span<const storage::EncodedChunk> chunks) -> std::size_t {
    if (++writes == 2) fail(ErrorCode::NoSpace, "disk full (test)");
    return chunks.size();
  });
  bool thrown = false;
  try {
    for (std::uint32_t i = 0; i < 200; ++i) batcher.add(chunk_of(i, bytes));
    batcher.flush();
  } catch (const Error& e) {
    thrown = true;
    CHECK(e.code() == ErrorCode::NoSpace);
    CHECK(std::string(e.what()) == "disk full (test)");
  }
  CHECK(thrown);
  CHECK(writes.load() == 2);
}

TEST_CASE("ChunkBatcher: the destructor waits for the write in flight and drops the rest") {
  const Bytes bytes(kChunkBytes, std::byte{3});
  std::atomic<int> writes{0};
  std::atomic<bool> finished{false};
  {
    ChunkBatcher batcher([&](std::span<const storage::EncodedChunk> chunks) {
      ++writes;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      finished = true;
      return chunks.size();
    });
    std::uint32_t i = 0;
    while (writes.load() == 0) batcher.add(chunk_of(i++, bytes));
    batcher.add(chunk_of(i++, bytes));  // pending, never flushed
  }
  CHECK(finished);
  CHECK(writes.load() == 1);
}

TEST_CASE(
    "ChunkBatcher into a repository: a clone-sized stream of chunks is readable after "
    "flush") {
  StorageTempDir dir("batcher");
  Repository repo = create_repo(dir.path());
  std::vector<storage::EncodedChunk> encoded;
  for (std::uint32_t i = 0; i < 64; ++i) {
    Bytes raw(64u << 10);
    for (std::size_t b = 0; b < raw.size(); ++b)
      raw[b] = static_cast<std::byte>((b * 31 + i) % 251);
    encoded.push_back(storage::encode_chunk(raw, 3));
  }
  {
    ChunkBatcher batcher(repo);
    for (const auto& c : encoded)
      batcher.add(transfer::StoredChunk{c.digest, c.codec, c.raw_size, c.stored});
    batcher.flush();
    CHECK(batcher.written() == encoded.size());
  }
  std::vector<Digest> ids;
  ids.reserve(encoded.size());
  for (const auto& c : encoded) ids.push_back(c.digest);
  CHECK(transfer::missing_chunks(repo, ids).empty());
  transfer::ChunkSource source(repo);
  for (const auto& c : encoded) {
    const auto stored = source.read_stored(c.digest);
    REQUIRE(stored);
    CHECK(Bytes(stored->stored.begin(), stored->stored.end()) == c.stored);
  }
}

}  // namespace
}  // namespace hangar::remote::test
