// Chunks::reclaim: live chunks intact, dead ones gone, files shrink, the swap waits for other
// openers, a crash at every step (forked child, failpoint) leaves a consistent store, the
// compaction threshold (decision 0013) decides which containers are rewritten, containers
// nothing indexed are swept, and readers read on across a compaction.
#include <fcntl.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
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

// Writes d's chunks `group` at a time: one l1 segment or h0 pack per group.
void write_groups(Chunks& chunks, const Data& d, std::size_t group, BackendCode backend) {
  for (std::size_t i = 0; i < d.chunks.size(); i += group)
    chunks.write(std::span(d.chunks).subspan(i, std::min(group, d.chunks.size() - i)), backend);
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

  // Threshold 1: every segment holding a dead chunk is rewritten (the remaining ones are 2/3
  // live; the default 0.5 would keep them, see the threshold tests below).
  const ReclaimReport r = chunks.reclaim(digests_where(d, dead), 1.0);
  CHECK(r.chunks_removed == digests_where(d, dead).size());
  CHECK(r.stored_bytes_removed == r.chunks_removed * (16 << 10));
  CHECK(r.compaction.containers_emptied == 4);
  CHECK(r.compaction.containers_compacted == 6);
  CHECK(r.compaction.chunks_moved == r.chunks_moved);
  CHECK(r.compaction.bytes_moved == r.chunks_moved * (16 << 10));
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
      chunks.reclaim(digests_where(d, [](std::size_t i) { return i > 0 && i < 256; }), 1.0);
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
  const ReclaimReport r = chunks.reclaim(digests_where(d, dead), 1.0);  // pack 2 is 1/2 live
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
    const ReclaimReport r = chunks.reclaim(digests_where(d, dead), 1.0);
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
  const char* steps[] = {"reclaim-journaled", "reclaim-unindexed",      "reclaim-copy-written",
                         "reclaim-copied",    "reclaim-relocated",      "reclaim-deleted",
                         "reclaim-swept",     "reclaim-compact-copied", "reclaim-compact-swapped"};
  for (const BackendCode backend : {BackendCode::LmdbSegments, BackendCode::Hdf5}) {
    // Containers of `group` chunks: 0 all dead (emptied), 1 one quarter live (compacted at the
    // default threshold), 2 three quarters live (kept), 3 and 4 all live; plus two garbage
    // containers from a writer that never indexed them (swept).
    const std::size_t group = backend == BackendCode::Hdf5 ? 8 : 64;
    const Data d = make_data(5 * group, 21);
    const Data garbage = make_data(2 * group, 9000);
    const auto dead = [group](std::size_t i) {
      const std::size_t g = i / group;
      return g == 0 || (g == 1 && i % 4 != 0) || (g == 2 && i % 4 == 0);
    };
    for (const char* step : steps) {
      INFO("backend " << backend_code_name(backend) << ", failpoint " << step);
      hangar::testing::StorageTempDir tmp("reclaim-crash");
      std::uint64_t disk_before = 0;
      {
        Chunks chunks = Chunks::open(tmp / "chunks", false);
        write_groups(chunks, d, group, backend);
        for (std::size_t g = 0; g < 2; ++g) {
          chunks.stage(std::span(garbage.chunks).subspan(g * group, group), backend);
          chunks.write_back();
        }
        chunks.discard_staged();
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
      CHECK(r.pending_bytes == 0);  // compacted now, or nothing left to compact
      CHECK_FALSE(fs::exists(tmp / "chunks" / "reclaim.journal"));
      CHECK_FALSE(fs::exists(tmp / "chunks" / "segments" / "data.mdb.compact"));
      check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
      const CompactionStats left = chunks.plan_reclaim({}, 1.0);
      CHECK(left.containers_emptied == 0);
      CHECK(left.garbage_containers == 0);
      CHECK(left.sparse_containers == 0);
      CHECK(left.containers_compacted == 1);  // group 2, kept at 0.5
      // 7 groups' worth of bytes before; 3 groups live + a quarter of one, and group 2's dead
      // quarter, after.
      CHECK(chunks.disk_bytes() < disk_before * 3 / 5);
    }
  }
}

TEST_CASE("Chunks: a container 0.6 live is kept at threshold 0.5 and compacted at 0.7",
          "[storage][reclaim][threshold]") {
  for (const BackendCode backend : {BackendCode::LmdbSegments, BackendCode::Hdf5}) {
    INFO("backend " << backend_code_name(backend));
    hangar::testing::StorageTempDir tmp("reclaim-threshold");
    const Data d = make_data(100, 41);  // 10 containers of 10 chunks
    const auto dead = [](std::size_t i) { return i % 10 < 4; };
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    write_groups(chunks, d, 10, backend);
    const std::uint64_t disk_before = chunks.disk_bytes();

    const ReclaimReport r = chunks.reclaim(digests_where(d, dead));  // default 0.5
    CHECK(r.chunks_removed == 40);
    CHECK(r.compaction.threshold == kDefaultCompactThreshold);
    CHECK(r.compaction.containers_compacted == 0);
    CHECK(r.compaction.containers_emptied == 0);
    CHECK(r.compaction.chunks_moved == 0);
    CHECK(r.chunks_moved == 0);
    CHECK(r.compaction.sparse_containers == 10);
    CHECK(r.compaction.sparse_dead_bytes == 40 * (16 << 10));
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });

    // Exactly 0.6 live: kept below a threshold of 0.6 too (compacted only when less live).
    CHECK(chunks.plan_reclaim({}, 0.6).containers_compacted == 0);
    const CompactionStats plan = chunks.plan_reclaim({}, 0.7);
    CHECK(plan.containers_compacted == 10);
    CHECK(plan.chunks_moved == 60);
    CHECK(plan.bytes_moved == 60 * (16 << 10));
    CHECK(plan.sparse_containers == 0);
    CHECK(plan.bytes_to_free > 0);

    const ReclaimReport r7 = chunks.reclaim({}, 0.7);
    CHECK(r7.compaction.containers_compacted == 10);
    CHECK(r7.compaction.chunks_moved == 60);
    CHECK(r7.compaction.bytes_moved == 60 * (16 << 10));
    CHECK(r7.containers_deleted >= 10);
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
    CHECK(chunks.disk_bytes() < disk_before * 4 / 5);
    const CompactionStats after = chunks.plan_reclaim({}, 1.0);
    CHECK(after.containers_compacted == 0);
    CHECK(after.sparse_containers == 0);
    CHECK(after.garbage_containers == 0);
  }
}

TEST_CASE("Chunks: threshold 0 deletes only containers without a live chunk, bad thresholds throw",
          "[storage][reclaim][threshold]") {
  hangar::testing::StorageTempDir tmp("reclaim-threshold0");
  const Data d = make_data(40, 51);
  Chunks chunks = Chunks::open(tmp / "chunks", false);
  write_groups(chunks, d, 10, BackendCode::LmdbSegments);
  const auto dead = [](std::size_t i) { return i < 10 || (i >= 10 && i % 10 != 0); };
  for (const double bad : {-0.1, 1.5, std::nan("")}) {
    bool threw = false;
    try {
      chunks.reclaim(digests_where(d, dead), bad);
    } catch (const hangar::Error& e) {
      threw = e.code() == hangar::ErrorCode::InvalidArgument;
    }
    CHECK(threw);
    CHECK_THROWS(chunks.plan_reclaim({}, bad));
  }
  CHECK(chunks.stats().chunks == 40);  // nothing changed
  const ReclaimReport r = chunks.reclaim(digests_where(d, dead), 0.0);
  CHECK(r.compaction.containers_emptied == 1);
  CHECK(r.compaction.containers_compacted == 0);
  CHECK(r.compaction.sparse_containers == 3);  // 0.1 live each
  check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
  CHECK(chunks.reclaim({}, 0.2).compaction.containers_compacted == 3);
  check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
}

TEST_CASE(
    "Chunks: containers nothing ever indexed are swept only when no one else has the store open",
    "[storage][reclaim]") {
  for (const BackendCode backend : {BackendCode::LmdbSegments, BackendCode::Hdf5}) {
    INFO("backend " << backend_code_name(backend));
    hangar::testing::StorageTempDir tmp("reclaim-sweep");
    const Data live = make_data(10, 61);
    const Data garbage = make_data(20, 5061);  // seeds apart: no chunk of both
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    chunks.write(live.chunks, backend);
    // A writer that wrote its bytes back and never indexed them (crashed, or another process
    // that is still writing).
    for (std::size_t g = 0; g < 2; ++g) {
      chunks.stage(std::span(garbage.chunks).subspan(g * 10, 10), backend);
      chunks.write_back();
    }
    chunks.discard_staged();
    const std::uint64_t disk_before = chunks.disk_bytes();
    CHECK(chunks.plan_reclaim({}).garbage_containers == 2);
    {
      OpenLock other = OpenLock::acquire_shared(tmp / "chunks" / "open.lock");
      const ReclaimReport r = chunks.reclaim({});
      CHECK(r.compaction.garbage_containers == 0);  // it may be someone's container in progress
      CHECK(r.containers_deleted == 0);
      CHECK(chunks.plan_reclaim({}).garbage_containers == 2);
    }
    const ReclaimReport r = chunks.reclaim({});
    CHECK(r.compaction.garbage_containers == 2);
    CHECK(r.containers_deleted == 2);
    CHECK(chunks.plan_reclaim({}).garbage_containers == 0);
    CHECK(chunks.disk_bytes() < disk_before - 15 * (16 << 10));
    check_store(chunks, live, [](std::size_t) { return true; });
    check_store(chunks, garbage, [](std::size_t) { return false; });
  }
}

TEST_CASE("Chunks: a reader of the same store reads on across a compaction", "[storage][reclaim]") {
  for (const BackendCode backend : {BackendCode::LmdbSegments, BackendCode::Hdf5}) {
    INFO("backend " << backend_code_name(backend));
    hangar::testing::StorageTempDir tmp("reclaim-own-reader");
    const Data d = make_data(100, 71);
    const auto dead = [](std::size_t i) { return i % 10 < 7; };  // 0.3 live: compacted
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    write_groups(chunks, d, 10, backend);
    {
      ChunkReader reader = chunks.reader();
      CHECK(reader.read(d.chunks[9].digest) == d.raw[9]);  // snapshots taken before the switch
      const ReclaimReport r = chunks.reclaim(digests_where(d, dead));
      CHECK(r.compaction.containers_compacted == 10);
      CHECK(r.chunks_moved == 30);
      CHECK_FALSE(r.compacted);  // the LMDB files are not swapped under a live reader
      CHECK(r.pending_bytes > 0);
      for (std::size_t i = 0; i < d.chunks.size(); ++i)
        if (!dead(i)) CHECK(reader.read(d.chunks[i].digest) == d.raw[i]);
      reader.refresh();
      for (std::size_t i = 0; i < d.chunks.size(); ++i)
        if (!dead(i)) CHECK(reader.read(d.chunks[i].digest) == d.raw[i]);
    }
    const ReclaimReport later = chunks.reclaim({});
    CHECK(later.compacted);
    CHECK(later.pending_bytes == 0);
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
  }
}

TEST_CASE("Chunks: plan_reclaim predicts what reclaim does and frees", "[storage][reclaim]") {
  for (const BackendCode backend : {BackendCode::LmdbSegments, BackendCode::Hdf5}) {
    INFO("backend " << backend_code_name(backend));
    hangar::testing::StorageTempDir tmp("reclaim-plan");
    const Data d = make_data(200, 81);  // 10 containers of 20
    // Groups 0-3 dead, 4-6 one quarter live, 7-9 live.
    const auto dead = [](std::size_t i) {
      const std::size_t g = i / 20;
      return g < 4 || (g < 7 && i % 4 != 0);
    };
    Chunks chunks = Chunks::open(tmp / "chunks", false);
    write_groups(chunks, d, 20, backend);
    const std::vector<Digest> drop = digests_where(d, dead);
    const CompactionStats plan = chunks.plan_reclaim(drop);
    CHECK(plan.containers_emptied == 4);
    CHECK(plan.containers_compacted == 3);
    CHECK(plan.chunks_moved == 15);
    CHECK(plan.bytes_moved == 15 * (16 << 10));
    CHECK(chunks.stats().chunks == 200);  // a plan changes nothing

    const ReclaimReport r = chunks.reclaim(drop);
    CHECK(r.compaction.containers_emptied == plan.containers_emptied);
    CHECK(r.compaction.containers_compacted == plan.containers_compacted);
    CHECK(r.compaction.chunks_moved == plan.chunks_moved);
    CHECK(r.compaction.bytes_moved == plan.bytes_moved);
    CHECK(r.compaction.bytes_to_free == plan.bytes_to_free);
    REQUIRE(r.compacted);
    const std::uint64_t freed = r.disk_bytes_before - r.disk_bytes_after;
    INFO("estimated " << plan.bytes_to_free << ", freed " << freed);
    // Within 10% (+ 64 KiB of LMDB pages that depend on the tree's shape).
    CHECK(plan.bytes_to_free <= freed + freed / 10 + (64 << 10));
    CHECK(plan.bytes_to_free + plan.bytes_to_free / 10 + (64 << 10) >= freed);
    check_store(chunks, d, [&](std::size_t i) { return !dead(i); });
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
    const ReclaimReport r = chunks.reclaim(digests_where(d, dead), 1.0);
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
