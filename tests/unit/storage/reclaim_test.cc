// Chunks::reclaim: live chunks intact, dead ones gone, files shrink, the swap waits for other
// openers, and a crash at every step (forked child, failpoint) leaves a consistent store.
#include <fcntl.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>
#include <hangar/storage/failpoint.h>
#include <hangar/storage/file_lock.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <vector>

#include "support/storage_temp_dir.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::Digest;

namespace {

namespace fs = std::filesystem;

// Incompressible bytes, so the stored size is the raw size.
Bytes noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
  return b;
}

struct Data {
  std::vector<Bytes> raw;
  std::vector<EncodedChunk> chunks;
};

// `n` chunks of 16 KiB: 64 per ~1 MiB l1 segment.
Data make_data(std::size_t n, unsigned seed) {
  Data d;
  for (std::size_t i = 0; i < n; ++i) {
    d.raw.push_back(noise(16 << 10, seed + static_cast<unsigned>(i)));
    d.chunks.push_back(encode_chunk(d.raw.back()));
  }
  return d;
}

std::uint64_t apparent_size(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// Chunks i with keep(i) must read back identical; the others must not be local.
template <class Keep>
void check_store(Chunks& chunks, const Data& d, Keep keep) {
  CHECK(chunks.verify_all(true).empty());
  ChunkReader reader = chunks.reader();
  for (std::size_t i = 0; i < d.chunks.size(); ++i) {
    if (keep(i)) {
      REQUIRE(chunks.contains(d.chunks[i].digest));
      CHECK(reader.read(d.chunks[i].digest) == d.raw[i]);
    } else {
      CHECK_FALSE(chunks.contains(d.chunks[i].digest));
    }
  }
}

std::vector<Digest> digests_where(const Data& d, const std::function<bool(std::size_t)>& pick) {
  std::vector<Digest> out;
  for (std::size_t i = 0; i < d.chunks.size(); ++i)
    if (pick(i)) out.push_back(d.chunks[i].digest);
  return out;
}

}  // namespace

TEST_CASE("Chunks: reclaim keeps live l1 chunks identical, removes dead ones, shrinks files",
          "[storage][reclaim]") {
  hangar::testing::StorageTempDir tmp("reclaim");
  const Data d = make_data(640, 1);  // ~10 segments
  // Dead: all of the first 256 (4 whole segments) and every third of the rest.
  const auto dead = [](std::size_t i) { return i < 256 || i % 3 == 0; };
  Chunks chunks = Chunks::open(tmp / "chunks", false);
  chunks.write(d.chunks);
  const fs::path segments = tmp / "chunks" / "segments" / "data.mdb";
  const std::uint64_t file_before = apparent_size(segments);
  const std::uint64_t disk_before = chunks.disk_bytes();

  const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
  CHECK(r.chunks_removed == digests_where(d, dead).size());
  CHECK(r.stored_bytes_removed == r.chunks_removed * (16 << 10));
  CHECK(r.chunks_moved > 0);
  CHECK(r.containers_deleted >= 10);
  CHECK(r.compacted);
  CHECK(r.pending_bytes == 0);
  CHECK(r.disk_bytes_before == disk_before);
  CHECK(r.disk_bytes_after == chunks.disk_bytes());
  check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
  // About 62% of the bytes were dead: the file and the disk usage shrink by at least half.
  CHECK(apparent_size(segments) < file_before / 2);
  CHECK(r.disk_bytes_after < disk_before / 2);
  CHECK(chunks.stats().chunks == d.chunks.size() - r.chunks_removed);
  CHECK(chunks.stats().stored_bytes == (d.chunks.size() - r.chunks_removed) * (16 << 10));
  CHECK_FALSE(fs::exists(tmp / "chunks" / "reclaim.journal"));

  // The store keeps working: new chunks go in, a dropped chunk can come back.
  const Data more = make_data(8, 5000);
  chunks.write(more.chunks);
  chunks.write(std::span(d.chunks).first(1));
  check_store(chunks, more, [](std::size_t) { return true; });
  CHECK(chunks.reader().read(d.chunks[0].digest) == d.raw[0]);

  // A second reclaim of the same digests changes nothing.
  const ReclaimReport again =
      chunks.reclaim(digests_where(d, [](std::size_t i) { return i > 0 && i < 256; }));
  CHECK(again.chunks_removed == 0);
  CHECK(again.containers_deleted == 0);
}

TEST_CASE("Chunks: reclaim deletes and rewrites h0 pack files", "[storage][reclaim]") {
  hangar::testing::StorageTempDir tmp("reclaim-h5");
  const Data d = make_data(40, 7);
  Chunks chunks = Chunks::open(tmp / "chunks", false);
  chunks.write(std::span(d.chunks).first(20), BackendCode::Hdf5);    // pack 1
  chunks.write(std::span(d.chunks).subspan(20), BackendCode::Hdf5);  // pack 2
  const auto dead = [](std::size_t i) { return i < 20 || i % 2 == 0; };
  const std::uint64_t before = chunks.disk_bytes();
  const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
  CHECK(r.chunks_removed == 30);
  CHECK(r.chunks_moved == 10);
  CHECK(r.containers_deleted == 2);
  CHECK(r.disk_bytes_after < before);
  check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
  std::size_t packs = 0;
  for (const auto& e : fs::directory_iterator(tmp / "chunks" / "hdf5"))
    if (fs::file_size(e.path()) > 0) ++packs;
  CHECK(packs == 1);  // only the rewritten pack holds bytes
}

TEST_CASE("Chunks: reclaim skips the file swap while another opener holds the shared lock",
          "[storage][reclaim]") {
  hangar::testing::StorageTempDir tmp("reclaim-lock");
  const Data d = make_data(320, 11);
  const auto dead = [](std::size_t i) { return i % 2 == 1; };
  Chunks chunks = Chunks::open(tmp / "chunks", false);
  chunks.write(d.chunks);
  const fs::path segments = tmp / "chunks" / "segments" / "data.mdb";
  const std::uint64_t file_before = apparent_size(segments);
  {
    // Another process's Chunks::open: a shared flock through its own open file description.
    OpenLock other = OpenLock::acquire_shared(tmp / "chunks" / "open.lock");
    REQUIRE(other.is_held());
    const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
    CHECK(r.chunks_removed == 160);
    CHECK_FALSE(r.compacted);
    CHECK(r.pending_bytes > (1u << 20));
    CHECK(apparent_size(segments) >= file_before);  // LMDB keeps the freed pages in the file
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
  }
  // Once the other opener is gone, a later reclaim (with nothing to drop) returns the pages.
  const ReclaimReport later = chunks.reclaim({});
  CHECK(later.compacted);
  CHECK(later.pending_bytes == 0);
  CHECK(apparent_size(segments) < file_before * 2 / 3);
  check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
}

TEST_CASE("Chunks: a crash at any step of reclaim leaves a consistent store",
          "[storage][reclaim][durability]") {
  const char* steps[] = {"reclaim-journaled",      "reclaim-unindexed", "reclaim-copied",
                         "reclaim-relocated",      "reclaim-deleted",   "reclaim-compact-copied",
                         "reclaim-compact-swapped"};
  const Data d = make_data(200, 21);
  const auto dead = [](std::size_t i) { return i < 64 || i % 4 == 0; };
  for (const char* step : steps) {
    INFO("failpoint " << step);
    hangar::testing::StorageTempDir tmp("reclaim-crash");
    std::uint64_t disk_before = 0;
    {
      Chunks chunks = Chunks::open(tmp / "chunks", false);
      chunks.write(d.chunks);
      disk_before = chunks.disk_bytes();
    }  // closed: the child must be the only opener, and LMDB envs must not cross a fork
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      hangar::arm_failpoint_for_testing(step);
      try {
        Chunks chunks = Chunks::open(tmp / "chunks", false);
        chunks.reclaim(digests_where(d, dead));
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 86);  // died at the failpoint

    Chunks chunks = Chunks::open(tmp / "chunks", false);
    // Whatever the step: no index entry points at missing bytes, live chunks read identical.
    CHECK(chunks.verify_all(true).empty());
    {
      ChunkReader reader = chunks.reader();  // gone before reclaim (which may reopen envs)
      for (std::size_t i = 0; i < d.chunks.size(); ++i)
        if (!dead(i)) CHECK(reader.read(d.chunks[i].digest) == d.raw[i]);
    }
    // The next reclaim finishes the work: same end state as an uninterrupted one.
    const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
    CHECK(r.compacted);
    CHECK_FALSE(fs::exists(tmp / "chunks" / "reclaim.journal"));
    CHECK_FALSE(fs::exists(tmp / "chunks" / "segments" / "data.mdb.compact"));
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
    CHECK(chunks.disk_bytes() < disk_before * 3 / 4);
  }
}

TEST_CASE("Chunks: a reader in another process keeps reading while reclaim moves its chunks",
          "[storage][reclaim]") {
  // h0: deleted pack files are gone at once (no MVCC), so the reader's old index snapshot
  // names a missing pack and ChunkReader must look the chunk up again.
  hangar::testing::StorageTempDir tmp("reclaim-reader");
  const Data d = make_data(40, 31);
  const auto dead = [](std::size_t i) { return i % 2 == 0; };
  {
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    chunks.write(std::span(d.chunks).first(20), BackendCode::Hdf5);
    chunks.write(std::span(d.chunks).subspan(20), BackendCode::Hdf5);
  }
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int bad = 0;
    try {
      Chunks chunks = Chunks::open(tmp / "chunks", true);
      ChunkReader reader = chunks.reader();
      (void)reader.find(d.chunks[1].digest);  // the index snapshot is taken now
      char c = 1;
      if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(3);
      for (std::size_t i = 1; i < d.chunks.size(); i += 2)
        if (reader.read(d.chunks[i].digest) != d.raw[i]) ++bad;
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(bad == 0 ? 0 : 1);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  {
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
    CHECK(r.chunks_moved == 20);
    CHECK(r.containers_deleted == 2);
    CHECK_FALSE(r.compacted);  // the reader has the store open
  }
  REQUIRE(::write(go[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
}
