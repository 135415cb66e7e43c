// Chunks::compact_index: lays the location index out in key order (decision 0014), keeps every
// chunk, does nothing while another process or a ChunkReader has the store open, refuses
// read-only stores and staged chunks, and a crash at either step (forked child, failpoint)
// leaves a store that opens with every chunk, which the next compact_index finishes.
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>
#include <hangar/storage/lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <random>
#include <vector>

#include "support/storage_temp_dir.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::ErrorCode;

namespace {

namespace fs = std::filesystem;

struct Data {
  std::vector<Bytes> raw;
  std::vector<EncodedChunk> chunks;
};

// `n` distinct small chunks: many index entries for few stored bytes.
Data make_data(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Data d;
  for (std::size_t i = 0; i < n; ++i) {
    Bytes b(24);
    for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
    d.raw.push_back(std::move(b));
    d.chunks.push_back(encode_chunk(d.raw.back()));
  }
  return d;
}

// Many index commits of random digests: their leaves end up all over the index's file.
void write_scattered(Chunks& chunks, const Data& d) {
  constexpr std::size_t kBatch = 200;
  for (std::size_t i = 0; i < d.chunks.size(); i += kBatch)
    chunks.write(std::span(d.chunks).subspan(i, std::min(kBatch, d.chunks.size() - i)));
}

void check_store(Chunks& chunks, const Data& d) {
  CHECK(chunks.verify_all(true).empty());
  CHECK(chunks.stats().chunks == d.chunks.size());
  ChunkReader reader = chunks.reader();
  for (std::size_t i = 0; i < d.chunks.size(); ++i)
    CHECK(reader.read(d.chunks[i].digest) == d.raw[i]);
}

// Where the index's leaves lie in its file, walked in key order: the fraction of steps from
// one leaf page to the next that go backwards in the map (the values are inline in the leaves,
// so a value's address names its page). 0 when the leaves are in key order.
// REQUIRES: the store is closed (an env is opened once per process).
double backward_fraction(const fs::path& store) {
  lmdb::EnvOptions options;
  options.read_only = true;
  const lmdb::Env env = lmdb::Env::open(store / "index", {"locations", "meta"}, options);
  const lmdb::ReadTxn txn = env.begin_read();
  const auto page = [](const lmdb::Entry& e) {
    return reinterpret_cast<std::uintptr_t>(e.value.data()) / 4096;
  };
  std::uintptr_t last = 0;
  std::size_t steps = 0, backward = 0;
  for (const lmdb::Entry e : lmdb::range(txn, env.table("locations"))) {
    if (last != 0 && page(e) != last) {
      ++steps;
      if (page(e) < last) ++backward;
    }
    last = page(e);
  }
  return steps ? static_cast<double>(backward) / static_cast<double>(steps) : 0.0;
}

// The code of the hangar::Error `fn` throws; nullopt when it returns.
template <class Fn>
std::optional<ErrorCode> error_of(Fn fn) {
  try {
    fn();
  } catch (const hangar::Error& e) {
    return e.code();
  }
  return std::nullopt;
}

std::uint64_t index_file_size(const fs::path& store) {
  return fs::file_size(store / "index" / "data.mdb");
}

}  // namespace

TEST_CASE("Chunks: compact_index lays the index out in key order and keeps every chunk",
          "[storage][compact_index]") {
  hangar::testing::StorageTempDir tmp("compact-index");
  const fs::path store = tmp / "chunks";
  const Data d = make_data(20000, 1);
  {
    Chunks chunks = Chunks::open(store, false);
    write_scattered(chunks, d);
  }
  const double scattered = backward_fraction(store);
  const std::uint64_t size_before = index_file_size(store);
  INFO("backward steps before: " << scattered);
  CHECK(scattered > 0.2);  // the premise: inserts scatter the leaves
  {
    Chunks chunks = Chunks::open(store, false);
    CHECK(chunks.compact_index());
    check_store(chunks, d);
    // It keeps working: new chunks go in.
    const Data more = make_data(10, 77);
    chunks.write(more.chunks);
    CHECK(chunks.reader().read(more.chunks[3].digest) == more.raw[3]);
  }
  CHECK(index_file_size(store) < size_before);  // no free pages in the copy
  CHECK_FALSE(fs::exists(store / "index" / "data.mdb.compact"));
  {
    Chunks chunks = Chunks::open(store, false);
    REQUIRE(chunks.compact_index());  // again, without the 10 chunks written after
  }
  CHECK(backward_fraction(store) == 0.0);
}

TEST_CASE("Chunks: compact_index returns false, changing nothing, while the store is in use",
          "[storage][compact_index]") {
  hangar::testing::StorageTempDir tmp("compact-index-busy");
  const fs::path store = tmp / "chunks";
  const Data d = make_data(2000, 2);
  Chunks chunks = Chunks::open(store, false);
  write_scattered(chunks, d);
  const std::uint64_t size_before = index_file_size(store);

  SECTION("another process has it open") {
    // Another process's Chunks::open: a shared flock through its own open file description.
    OpenLock other = OpenLock::acquire_shared(store / "open.lock");
    REQUIRE(other.is_held());
    CHECK_FALSE(chunks.compact_index());
  }
  SECTION("a ChunkReader of this store is alive") {
    ChunkReader reader = chunks.reader();
    CHECK(reader.read(d.chunks[0].digest) == d.raw[0]);
    CHECK_FALSE(chunks.compact_index());
    CHECK(reader.read(d.chunks[1].digest) == d.raw[1]);
  }
  CHECK(index_file_size(store) == size_before);
  CHECK_FALSE(fs::exists(store / "index" / "data.mdb.compact"));
  check_store(chunks, d);
  CHECK(chunks.compact_index());  // once it is free
  check_store(chunks, d);
}

TEST_CASE("Chunks: compact_index refuses read-only stores and staged chunks",
          "[storage][compact_index]") {
  hangar::testing::StorageTempDir tmp("compact-index-refuse");
  const fs::path store = tmp / "chunks";
  const Data d = make_data(100, 3);
  {
    Chunks chunks = Chunks::open(store, false);
    chunks.write(std::span(d.chunks).first(50));
    chunks.stage(std::span(d.chunks).subspan(50), BackendCode::LmdbSegments);
    CHECK(error_of([&] { chunks.compact_index(); }) == ErrorCode::Internal);
    chunks.commit_staged();
    CHECK(chunks.compact_index());
  }
  Chunks reader = Chunks::open(store, true);
  CHECK(error_of([&] { reader.compact_index(); }) == ErrorCode::Internal);
  check_store(reader, d);
}

TEST_CASE("Chunks: a crash at either step of compact_index leaves every chunk readable",
          "[storage][compact_index][durability]") {
  const Data d = make_data(5000, 4);
  for (const char* step : {"reclaim-compact-copied", "reclaim-compact-swapped"}) {
    INFO("failpoint " << step);
    hangar::testing::StorageTempDir tmp("compact-index-crash");
    const fs::path store = tmp / "chunks";
    {
      Chunks chunks = Chunks::open(store, false);
      write_scattered(chunks, d);
    }  // closed: LMDB envs must not cross a fork
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      hangar::arm_failpoint_for_testing(step);
      try {
        Chunks chunks = Chunks::open(store, false);
        (void)chunks.compact_index();
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 86);  // died at the failpoint

    Chunks chunks = Chunks::open(store, false);
    check_store(chunks, d);
    CHECK(chunks.compact_index());  // removes a leftover copy, then compacts
    CHECK_FALSE(fs::exists(store / "index" / "data.mdb.compact"));
    check_store(chunks, d);
  }
}
