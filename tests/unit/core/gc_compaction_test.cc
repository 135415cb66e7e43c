// gc's compaction of l1 segments and h0 packs (decision 0013) on real repositories: a crash at
// every step (forked child, failpoint) leaves a repository that opens, passes fsck --rehash and
// reads every sample identical; a Checkout held across a compaction (same Repository, or
// another process) reads every sample; the threshold decides; dry-run predicts.
#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>
#include <hangar/repository.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <vector>

#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

const UserIdentity kUser{"Test User", "test@example.org"};
constexpr std::uint64_t kImages = 300;  // 4 KiB each, incompressible: l1 segments of ~256
constexpr std::uint64_t kVolumes = 24;  // 64 KiB each: h0 packs, one per put_many

Tensor image(std::uint64_t seed) { return test::make_random_tensor(DType::UInt8, {64, 64}, seed); }
Tensor volume(std::uint64_t seed) {
  return test::make_random_tensor(DType::UInt8, {64, 64, 16}, seed);
}

// Stages `n` samples of `column` (keys 0..n-1, seeds seed0 + key) in one put_many: one l1
// segment run or one h0 pack.
void put_all(Repository& repo, const std::string& column, std::uint64_t n, std::uint64_t seed0) {
  std::vector<Tensor> tensors;
  std::vector<SampleWrite> writes;
  tensors.reserve(n);
  for (std::uint64_t k = 0; k < n; ++k)
    tensors.push_back(column == "images" ? image(seed0 + k) : volume(seed0 + k));
  for (std::uint64_t k = 0; k < n; ++k) writes.push_back({Key(k), std::nullopt, tensors[k].view()});
  repo.put_many(column, writes);
}

// A repository whose chunk store has every kind of container once gc has dropped what is dead:
//   base (main~1): images 0..299 (seed k), volumes 0..23 (seed 1000 + k)
//   a deleted branch that replaced every sample: its segments and pack hold only dead chunks
//   main: a replacement of every sample staged in one go, then `removed(k)` keys unstaged by a
//   remove: those segments and that pack are partly live (1/4 with the default predicate).
struct GcRepo {
  testing::StorageTempDir dir{"gc-compact"};
  std::function<bool(std::uint64_t)> removed;
  Digest base, head;

  explicit GcRepo(std::function<bool(std::uint64_t)> removed_keys =
                      [](std::uint64_t k) { return k % 4 != 0; })
      : removed(std::move(removed_keys)) {
    Repository::init(dir.path(), kUser);
    Repository repo = Repository::open(dir.path(), Mode::Write);
    ColumnSchema s;
    s.name = "images";
    s.dtype = DType::UInt8;
    s.shape = {64, 64};
    s.backend = BackendChoice::Lmdb;
    repo.create_column(s);
    s.name = "volumes";
    s.shape = {64, 64, 16};
    s.backend = BackendChoice::Hdf5;
    repo.create_column(s);
    put_all(repo, "images", kImages, 0);
    put_all(repo, "volumes", kVolumes, 1000);
    base = repo.commit("base");
    repo.create_branch("replaced", std::nullopt);
    repo.checkout("replaced");
    put_all(repo, "images", kImages, 10000);
    put_all(repo, "volumes", kVolumes, 20000);
    repo.commit("replace everything");
    repo.checkout("main");
    repo.delete_branch("replaced", true);
    put_all(repo, "images", kImages, 30000);
    put_all(repo, "volumes", kVolumes, 40000);
    for (const char* column : {"images", "volumes"}) {
      std::vector<std::pair<Key, std::optional<Key>>> keys;
      const std::uint64_t n = std::string(column) == "images" ? kImages : kVolumes;
      for (std::uint64_t k = 0; k < n; ++k) {
        if (!removed(k)) continue;
        const Key key(k);  // a named Key: a temporary trips GCC 12's -Wmaybe-uninitialized
        keys.emplace_back(key, std::nullopt);
      }
      repo.remove(column, keys);
    }
    head = repo.commit("replace some, remove the others");
  }

  const fs::path& path() const { return dir.path(); }

  // Every sample of both commits reads back identical through `co_at(commit)`.
  void check_samples(const std::function<const Checkout&(const Digest&)>& co_at) const {
    for (std::uint64_t k = 0; k < kImages; ++k) {
      CHECK(co_at(base).get("images", Key(k)) == image(k));
      if (removed(k))
        CHECK_FALSE(co_at(head).find("images", Key(k)));
      else
        CHECK(co_at(head).get("images", Key(k)) == image(30000 + k));
    }
    for (std::uint64_t k = 0; k < kVolumes; ++k) {
      CHECK(co_at(base).get("volumes", Key(k)) == volume(1000 + k));
      if (!removed(k)) CHECK(co_at(head).get("volumes", Key(k)) == volume(40000 + k));
    }
  }
  void check_samples(const Repository& repo) const {
    const Checkout at_base = repo.checkout_at(base), at_head = repo.checkout_at(head);
    check_samples(
        [&](const Digest& c) -> const Checkout& { return c == base ? at_base : at_head; });
  }
  void check_clean(const Repository& repo) const {
    const FsckReport f = fsck(repo, true);
    for (const FsckProblem& p : f.problems) INFO(p.kind << ": " << p.message);
    CHECK(f.ok());
    CHECK(f.not_local == 0);
    check_samples(repo);
  }
};

std::uint64_t chunk_disk(Repository& repo) { return detail::state_of(repo).chunks.disk_bytes(); }

TEST_CASE("Gc compaction: a crash at every step leaves a clean repository, every sample kept",
          "[core][gc][compaction][durability]") {
  const char* steps[] = {"reclaim-journaled", "reclaim-unindexed",      "reclaim-copy-written",
                         "reclaim-copied",    "reclaim-relocated",      "reclaim-deleted",
                         "reclaim-swept",     "reclaim-compact-copied", "reclaim-compact-swapped"};
  for (const char* step : steps) {
    INFO("failpoint " << step);
    GcRepo r;
    std::uint64_t disk_before = 0;
    {
      Repository repo = Repository::open(r.path(), Mode::Write);
      disk_before = chunk_disk(repo);
    }  // closed: LMDB envs must not cross a fork
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      arm_failpoint_for_testing(step);
      try {
        Repository repo = Repository::open(r.path(), Mode::Write);
        (void)gc(repo, GcOptions{});
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 86);  // died at the failpoint

    {
      const Repository repo = Repository::open(r.path(), Mode::Read);  // opens: not corrupt
      r.check_clean(repo);
    }
    Repository repo = Repository::open(r.path(), Mode::Write);
    const GcReport g = gc(repo, GcOptions{});
    CHECK(g.space.pending_bytes == 0);
    r.check_clean(repo);
    CHECK_FALSE(fs::exists(r.path() / ".hangar" / "chunks" / "reclaim.journal"));
    // Three versions of every sample before; one, plus a quarter of another, after.
    CHECK(chunk_disk(repo) < disk_before / 2);
    const GcReport again = gc(repo, GcOptions{true, 1.0});
    CHECK(again.chunks == 0);
    CHECK(again.space.compaction.containers_compacted == 0);  // nothing partly dead is left
    CHECK(again.space.compaction.containers_emptied == 0);
    CHECK(again.space.compaction.garbage_containers == 0);
  }
}

TEST_CASE("Gc compaction: empties, compacts, keeps fully live containers, dry-run predicts",
          "[core][gc][compaction]") {
  GcRepo r;
  Repository repo = Repository::open(r.path(), Mode::Write);
  const std::uint64_t disk_before = chunk_disk(repo);
  const GcReport dry = gc(repo, GcOptions{true});
  CHECK(dry.dry_run);
  CHECK(dry.chunks == kImages + kVolumes + (kImages + kVolumes) * 3 / 4);
  const CompactionStats& plan = dry.space.compaction;
  CHECK(plan.threshold == kDefaultCompactThreshold);
  CHECK(plan.containers_emptied >= 3);    // the branch's segments (2) and pack (1)
  CHECK(plan.containers_compacted >= 3);  // main's partly removed segments and pack
  CHECK(plan.chunks_moved == (kImages + kVolumes) / 4);
  CHECK(plan.sparse_containers == 0);
  CHECK(plan.bytes_to_free > 0);
  CHECK(chunk_disk(repo) == disk_before);  // a dry run changes nothing

  const GcReport g = gc(repo, GcOptions{});
  const CompactionStats& done = g.space.compaction;
  CHECK(done.containers_emptied == plan.containers_emptied);
  CHECK(done.containers_compacted == plan.containers_compacted);
  CHECK(done.chunks_moved == plan.chunks_moved);
  CHECK(done.bytes_moved == plan.bytes_moved);
  CHECK(g.space.compacted);
  const std::uint64_t freed = g.space.freed();
  INFO("estimated " << plan.bytes_to_free << ", freed " << freed);
  CHECK(plan.bytes_to_free <= freed + freed / 10 + (256 << 10));
  CHECK(plan.bytes_to_free + plan.bytes_to_free / 10 + (256 << 10) >= freed);
  r.check_clean(repo);
}

TEST_CASE("Gc compaction: 0.6 live is kept at the default threshold, compacted at 0.7",
          "[core][gc][compaction][threshold]") {
  GcRepo r([](std::uint64_t k) { return k % 5 < 2; });  // 3/5 of main's new samples stay
  Repository repo = Repository::open(r.path(), Mode::Write);
  const GcReport g = gc(repo, GcOptions{});
  CHECK(g.space.compaction.containers_compacted == 0);
  CHECK(g.space.compaction.chunks_moved == 0);
  CHECK(g.space.compaction.sparse_containers >= 3);
  CHECK(g.space.compaction.sparse_dead_bytes ==
        (kImages * 2 / 5) * 4096 + (kVolumes * 2 / 5 + 1) * 65536);  // 10 of 24 volumes
  const GcReport g7 = gc(repo, GcOptions{false, 0.7});
  CHECK(g7.chunks == 0);
  CHECK(g7.space.compaction.containers_compacted == g.space.compaction.sparse_containers);
  CHECK(g7.space.compaction.chunks_moved == kImages * 3 / 5 + (kVolumes - 10));
  CHECK(g7.space.compaction.sparse_containers == 0);
  CHECK(g7.space.freed() > g.space.compaction.sparse_dead_bytes * 3 / 4);
  r.check_clean(repo);
  bool threw = false;
  try {
    (void)gc(repo, GcOptions{false, 1.01});
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::InvalidArgument;
  }
  CHECK(threw);
}

TEST_CASE("Gc compaction: a Checkout of the same Repository reads every sample across it",
          "[core][gc][compaction]") {
  GcRepo r;
  Repository repo = Repository::open(r.path(), Mode::Write);
  {
    const Checkout at_base = repo.checkout_at(r.base), at_head = repo.checkout_at(r.head);
    CHECK(at_head.get("images", Key(std::uint64_t{0})) == image(30000));  // snapshots taken
    CHECK(at_base.get("volumes", Key(std::uint64_t{1})) == volume(1001));
    const GcReport g = gc(repo, GcOptions{});
    CHECK(g.space.compaction.containers_compacted >= 3);
    CHECK(g.space.compaction.chunks_moved > 0);
    CHECK_FALSE(g.space.compacted);  // the LMDB files stay while the checkouts read them
    CHECK(g.space.pending_bytes > 0);
    r.check_samples(
        [&](const Digest& c) -> const Checkout& { return c == r.base ? at_base : at_head; });
  }
  const GcReport later = gc(repo, GcOptions{});
  CHECK(later.space.compacted);
  CHECK(later.space.pending_bytes == 0);
  r.check_clean(repo);
}

TEST_CASE("Gc compaction: a Checkout in another process reads every sample across it",
          "[core][gc][compaction]") {
  GcRepo r;
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int bad = 0;
    try {
      const Repository repo = Repository::open(r.path(), Mode::Read);
      const Checkout at_base = repo.checkout_at(r.base), at_head = repo.checkout_at(r.head);
      if (!(at_head.get("images", Key(std::uint64_t{4})) == image(30004))) ++bad;
      if (!(at_base.get("volumes", Key(std::uint64_t{2})) == volume(1002))) ++bad;
      char c = 1;
      if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(3);
      // Catch's CHECK is not for a forked child: count mismatches by hand.
      for (std::uint64_t k = 0; k < kImages; ++k) {
        if (!(at_base.get("images", Key(k)) == image(k))) ++bad;
        if (!r.removed(k) && !(at_head.get("images", Key(k)) == image(30000 + k))) ++bad;
      }
      for (std::uint64_t k = 0; k < kVolumes; ++k) {
        if (!(at_base.get("volumes", Key(k)) == volume(1000 + k))) ++bad;
        if (!r.removed(k) && !(at_head.get("volumes", Key(k)) == volume(40000 + k))) ++bad;
      }
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(bad == 0 ? 0 : 1);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  {
    Repository repo = Repository::open(r.path(), Mode::Write);
    const GcReport g = gc(repo, GcOptions{});
    CHECK(g.space.compaction.containers_compacted >= 3);
    CHECK(g.space.compaction.containers_emptied >= 3);
    CHECK_FALSE(g.space.compacted);  // the reader has the store open
  }
  REQUIRE(::write(go[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
  Repository repo = Repository::open(r.path(), Mode::Write);
  r.check_clean(repo);
}

}  // namespace
}  // namespace hangar
