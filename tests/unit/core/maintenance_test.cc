// fsck and gc on real repositories: a clean repository is clean, damaged chunks and deleted
// objects are found, and gc drops exactly what nothing reaches.
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

const UserIdentity kUser{"Test User", "test@example.org"};

struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("fsck", kUser) {
    ColumnSchema s;
    s.name = "images";
    s.dtype = DType::UInt8;
    s.shape = {64, 64};
    repo.create_column(s);
    s.name = "big";  // samples of 5 MiB: several chunks, so a descriptor object each
    s.shape = {5u << 20};
    repo.create_column(s);
  }
  // One chunk: held inline by its record.
  void put(std::uint64_t key, std::uint64_t seed) {
    const Tensor t = test::make_random_tensor(DType::UInt8, {64, 64}, seed);
    repo.put("images", Key(key), std::nullopt, t.view());
  }
  // Eight chunks and a descriptor object.
  void put_big(std::uint64_t key, std::uint64_t seed) {
    const Tensor t = test::make_random_tensor(DType::UInt8, {5u << 20}, seed);
    repo.put("big", Key(key), std::nullopt, t.view());
  }
  std::uint64_t chunk_count() { return detail::state_of(repo).chunks.stats().chunks; }
};

bool has_problem(const FsckReport& r, const std::string& kind, const Digest& d) {
  return std::any_of(r.problems.begin(), r.problems.end(),
                     [&](const FsckProblem& p) { return p.kind == kind && p.digest == d; });
}

// Flips one byte in the middle of every copy of `needle` in the files under `dir`, except the
// location index; returns how many copies it changed.
int flip_in_files(const fs::path& dir, const Bytes& needle) {
  int flipped = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().parent_path().filename() == "index") continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::string n(reinterpret_cast<const char*>(needle.data()), needle.size());
    for (auto pos = data.find(n); pos != std::string::npos; pos = data.find(n, pos + 1)) {
      const std::size_t at = pos + n.size() / 2;
      f.clear();
      f.seekp(static_cast<std::streamoff>(at));
      f.put(static_cast<char>(data[at] ^ 0x5a));
      ++flipped;
    }
  }
  return flipped;
}

TEST_CASE("Fsck: a fresh and a committed repository are clean", "[core][fsck]") {
  TempRepo r;
  CHECK(fsck(r.repo, true).ok());
  r.put(1, 11);
  r.put(2, 12);
  r.repo.commit("two");
  r.put(3, 13);  // staged
  const FsckReport rep = fsck(r.repo, true);
  CHECK(rep.ok());
  CHECK(rep.commits == 1);
  CHECK(rep.samples == 3);
  CHECK(rep.chunks == 3);
  CHECK(rep.not_local == 0);
}

TEST_CASE("Fsck: a flipped byte in a stored chunk is found with rehash", "[core][fsck]") {
  TempRepo r;
  r.put(1, 21);
  const Digest head = r.repo.commit("one");
  const fs::path root = r.dir.path();
  Digest chunk;
  Bytes stored;
  {
    auto& st = detail::state_of(r.repo);
    st.chunks.index().for_each(st.chunks.index().begin_read(),
                               [&](const Digest& d, const storage::ChunkLocation&) { chunk = d; });
    auto reader = st.chunks.reader();
    const ByteView v = reader.read_stored(chunk).second;
    stored.assign(v.begin(), v.end());
  }
  r.close();
  REQUIRE(flip_in_files(root / ".hangar" / "chunks", stored) >= 1);

  const Repository repo = Repository::open(root, Mode::Read);
  CHECK(fsck(repo, false).ok());  // present with the right size: only a re-hash sees it
  const FsckReport rep = fsck(repo, true);
  CHECK_FALSE(rep.ok());
  CHECK(has_problem(rep, "chunk", chunk));
  CHECK(repo.head() == head);
}

TEST_CASE("Fsck: a deleted object is reported with where it was referenced", "[core][fsck]") {
  TempRepo r;
  r.put(1, 31);
  const Digest head = r.repo.commit("one");
  const Digest schema = r.repo.get_commit(head).columns.at(0).schema;
  auto& st = detail::state_of(r.repo);
  st.meta.write([&](lmdb::WriteTxn& txn) { REQUIRE(txn.del(st.objects.table(), schema.view())); });
  const FsckReport rep = fsck(r.repo, false);
  REQUIRE(rep.problems.size() == 1);
  CHECK(has_problem(rep, "schema", schema));
  CHECK(rep.problems[0].message.find(head.short_hex()) != std::string::npos);
}

TEST_CASE("Fsck: a staged sample's deleted descriptor and a rewritten commit are reported",
          "[core][fsck]") {
  TempRepo r;
  r.put(1, 35);
  const Digest head = r.repo.commit("one");
  r.put(2, 36);
  r.put_big(2, 37);
  auto& st = detail::state_of(r.repo);
  Digest staged;
  {
    const lmdb::ReadTxn txn = st.meta.begin_read();
    st.staging.for_each_sample(txn, "big", [&](ByteView, const StagedSample& s) {
      REQUIRE_FALSE(s->sample.is_inline());
      staged = s->sample.digest();
      return true;
    });
  }
  // The commit's key will hold other commit bytes: a digest mismatch.
  Commit c = r.repo.get_commit(head);
  c.message = "tampered";
  const Bytes tampered = encode_commit(c);
  st.meta.write([&](lmdb::WriteTxn& txn) {
    REQUIRE(txn.del(st.objects.table(), staged.view()));
    txn.put(st.objects.table(), head.view(), tampered);
  });
  const FsckReport rep = fsck(r.repo, false);
  CHECK(rep.problems.size() == 2);
  CHECK(has_problem(rep, "descriptor", staged));
  CHECK(has_problem(rep, "commit", head));
}

TEST_CASE("Fsck: missing chunks are an error unless the repository is a clone", "[core][fsck]") {
  TempRepo r;
  r.put(1, 41);
  r.repo.commit("one");
  auto& st = detail::state_of(r.repo);
  std::vector<Digest> all;
  st.chunks.index().for_each(
      st.chunks.index().begin_read(),
      [&](const Digest& d, const storage::ChunkLocation&) { all.push_back(d); });
  REQUIRE(st.chunks.index().remove(all) == 1);
  const FsckReport rep = fsck(r.repo, false);
  CHECK(has_problem(rep, "chunk", all[0]));
  st.config.values["clone.remote"] = "origin";
  const FsckReport clone = fsck(r.repo, false);
  CHECK(clone.ok());
  CHECK(clone.not_local == 1);
}

TEST_CASE("Gc: drops the chunks of a reset import and keeps everything reachable", "[core][gc]") {
  TempRepo r;
  r.put(1, 51);
  const Digest head = r.repo.commit("one");
  r.put(2, 52);
  r.put(3, 53);
  r.put_big(5, 55);  // eight chunks of 640 KiB and a descriptor object
  r.repo.reset();
  r.put(4, 54);  // staged: must survive
  REQUIRE(r.chunk_count() == 12);

  const GcReport g = gc(r.repo, false);
  CHECK_FALSE(g.dry_run);
  CHECK(g.chunks == 10);
  CHECK(g.chunk_bytes > 0);
  CHECK(g.objects == 1);  // the big sample's descriptor; inline samples have none
  CHECK(r.chunk_count() == 2);
  CHECK(fsck(r.repo, true).ok());

  const Digest second = r.repo.commit("two");
  CHECK(r.repo.checkout_at(head).get("images", Key(std::uint64_t{1})) ==
        test::make_random_tensor(DType::UInt8, {64, 64}, 51));
  CHECK(r.repo.checkout_at(second).get("images", Key(std::uint64_t{4})) ==
        test::make_random_tensor(DType::UInt8, {64, 64}, 54));
  CHECK(gc(r.repo, false).chunks == 0);
  CHECK(fsck(r.repo, true).ok());
}

TEST_CASE("Gc: dry-run reports and changes nothing", "[core][gc]") {
  TempRepo r;
  r.put(1, 61);
  r.repo.commit("one");
  r.put(2, 62);
  r.repo.reset();
  const GcReport dry = gc(r.repo, true);
  CHECK(dry.dry_run);
  CHECK(dry.chunks == 1);
  CHECK(dry.objects == 0);  // an inline sample: no descriptor object to drop
  CHECK(r.chunk_count() == 2);
  const GcReport real = gc(r.repo, false);
  CHECK(real.chunks == dry.chunks);
  CHECK(real.chunk_bytes == dry.chunk_bytes);
  CHECK(real.objects == dry.objects);
  CHECK(real.object_bytes == dry.object_bytes);
}

// A server stores a push's chunks before any ref names them, holding a transfer::ChunkLease
// meanwhile: gc (dry run or not) refuses to run then and changes nothing; a lease asked for while
// gc holds the leases file exclusively waits, then fails.
TEST_CASE("Gc: refuses to run while a chunk lease is held", "[core][gc]") {
  TempRepo r;
  r.put(1, 71);
  r.repo.commit("one");
  r.put(2, 72);
  r.repo.reset();  // one unreferenced chunk: what a push in flight would have stored
  REQUIRE(r.chunk_count() == 2);
  {
    const transfer::ChunkLease lease(r.repo, std::chrono::milliseconds(0));
    const transfer::ChunkLease second(r.repo, std::chrono::milliseconds(0));  // leases share
    for (bool dry_run : {false, true}) {
      std::string message;
      CHECK(code_of([&] { (void)gc(r.repo, dry_run); }, &message) == ErrorCode::Locked);
      CHECK(message.find("is being received") != std::string::npos);
    }
    CHECK(r.chunk_count() == 2);
  }
  CHECK(gc(r.repo, false).chunks == 1);  // the leases ended
  CHECK(r.chunk_count() == 1);
  // While the leases file is held exclusively (as gc holds it), a lease waits, then fails.
  const auto held = storage::try_flock(r.dir.path() / ".hangar" / "leases", false, "held");
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  CHECK(code_of([&] { transfer::ChunkLease(r.repo, std::chrono::milliseconds(100)); }, &message) ==
        ErrorCode::Locked);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(100));
  CHECK(message.find("is being garbage-collected") != std::string::npos);
}

TEST_CASE("Gc: needs a repository opened for writing", "[core][gc]") {
  TempRepo r;
  const fs::path root = r.dir.path();
  r.close();
  Repository repo = Repository::open(root, Mode::Read);
  bool threw = false;
  try {
    (void)gc(repo, true);
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::Internal;
  }
  CHECK(threw);
}

TEST_CASE("DropLocalChunks: drops committed chunks, keeps the staged ones, history stays",
          "[core][drop]") {
  TempRepo r;
  r.put(1, 71);
  r.put(2, 72);
  const Digest head = r.repo.commit("two");
  r.put(3, 71);  // staged, same content as key 1: its chunk must stay
  std::vector<Digest> chunks;
  {
    const Checkout view = r.repo.checkout_at(head);  // closed before: the files get swapped
    for (std::uint64_t k : {std::uint64_t{1}, std::uint64_t{2}}) {
      const Descriptor d = detail::state_of(r.repo).descriptor_of(
          detail::state_of(r.repo).meta.begin_read(), view.find("images", Key(k))->sample);
      chunks.insert(chunks.end(), d.chunks.begin(), d.chunks.end());
    }
  }
  REQUIRE(chunks.size() == 2);
  const DropChunksReport d = drop_local_chunks(r.repo, chunks);
  CHECK(d.chunks_dropped == 1);
  CHECK(d.chunks_staged == 1);
  CHECK(d.stored_bytes > 0);
  CHECK(d.space.compacted);
  CHECK(d.space.disk_bytes_after <= d.space.disk_bytes_before);
  CHECK(r.chunk_count() == 1);
  CHECK(r.repo.checkout_at(head).get("images", Key(std::uint64_t{1})) ==
        test::make_random_tensor(DType::UInt8, {64, 64}, 71));
  bool not_local = false;
  try {
    (void)r.repo.checkout_at(head).get("images", Key(std::uint64_t{2}));
  } catch (const Error& e) {
    not_local = e.code() == ErrorCode::NotLocal;
  }
  CHECK(not_local);
  CHECK(r.repo.log(head, 10).size() == 1);
}

}  // namespace
}  // namespace hangar
