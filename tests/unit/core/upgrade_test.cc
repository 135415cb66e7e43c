// hangar::upgrade_repository (hangar/upgrade.h) on the format-1 fixtures: what it converts and
// reports, determinism, what it refuses without changing anything, and the crash states it
// leaves (a forked child killed at each failpoint) that the next open or upgrade finishes.
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/repository.h>
#include <hangar/storage/lmdb.h>
#include <hangar/upgrade.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "support/format1_fixture.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

// Every name below `dir` with its size and bytes' digest: equal before and after means unchanged.
std::set<std::string> tree_of(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string entry = fs::relative(e.path(), dir).string();
    if (e.is_regular_file())
      entry.append(" ").append(digest_of(storage::read_file(e.path(), 1u << 30)).hex());
    out.insert(entry);
  }
  return out;
}

// Runs upgrade_repository(root) in a child process armed to die at `point`; returns its status.
int upgrade_dying_at(const fs::path& root, const char* point) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    arm_failpoint_for_testing(point);
    try {
      upgrade_repository(root, UpgradeOptions{});
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("Upgrade: the fixture converts, reports what it did and opens as format 2",
          "[core][upgrade]") {
  testing::Format1Fixture fx("repo");
  const Error refused = error_of([&] { Repository::open(fx.root(), Repository::Mode::Read); });
  CHECK(refused.code() == ErrorCode::Unsupported);
  REQUIRE(refused.hint() != nullptr);
  CHECK(refused.hint()->action == HintAction::Upgrade);

  const UpgradeReport r = upgrade_repository(fx.root(), UpgradeOptions{});
  CHECK_FALSE(r.already);
  CHECK(r.commits == 4);
  CHECK(r.branches == 3);
  CHECK(r.remote_refs == 0);
  CHECK(r.columns == 4);
  CHECK(r.samples == 21);
  CHECK(r.chunks == 21);
  CHECK(r.head_branch == "main");
  CHECK(r.refs.size() == 3);
  CHECK_FALSE(r.kept_old);
  CHECK(fs::exists(fx.dot()));
  CHECK_FALSE(fs::exists(fx.root() / ".hangar.format1"));
  CHECK_FALSE(fs::exists(fx.root() / ".hangar.upgrade"));

  const Repository repo = Repository::open(fx.root(), Repository::Mode::Read);
  CHECK(repo.head() == r.refs.at("refs/heads/main"));
  CHECK(repo.user().name == "fixture");
  const auto log = repo.log(*repo.head(), 10);
  REQUIRE(log.size() == 4);
  CHECK(log[0].commit.message == "merge dev");
  CHECK(log[0].commit.parents.size() == 2);
  CHECK(log[0].commit.parents[1] == r.refs.at("refs/heads/dev"));
  CHECK(log[3].commit.message == "base: four columns");
  CHECK(log[3].digest == r.refs.at("refs/heads/old"));
  const Checkout co = repo.checkout_at(*repo.head());
  CHECK(co.count("images") == 12);
  CHECK(co.schema("vol").backend == BackendChoice::Hdf5);

  CHECK(upgrade_repository(fx.root(), UpgradeOptions{}).already);
}

TEST_CASE("Upgrade: the same history gives the same digests, --keep-old keeps format 1 as it was",
          "[core][upgrade]") {
  testing::Format1Fixture a("repo"), b("repo");
  const auto before = tree_of(b.dot());
  const UpgradeReport ra = upgrade_repository(a.root(), UpgradeOptions{});
  UpgradeOptions keep;
  keep.keep_old = true;
  const UpgradeReport rb = upgrade_repository(b.root(), keep);
  CHECK(ra.refs == rb.refs);
  REQUIRE(rb.kept_old);
  CHECK(*rb.kept_old == b.root() / ".hangar.format1");
  CHECK(tree_of(*rb.kept_old) == before);
  // The kept folder is in the way of another upgrade, which says so.
  testing::Format1Fixture c("repo");
  fs::create_directory(c.root() / ".hangar.format1");
  CHECK(error_of([&] { upgrade_repository(c.root(), UpgradeOptions{}); }).code() ==
        ErrorCode::AlreadyExists);
}

TEST_CASE("Upgrade: staged work and chunks that are not local are refused, nothing changed",
          "[core][upgrade]") {
  testing::Format1Fixture partial("partial");
  const auto before = tree_of(partial.root());
  const Error missing = error_of([&] { upgrade_repository(partial.root(), UpgradeOptions{}); });
  CHECK(missing.code() == ErrorCode::NotLocal);
  CHECK_THAT(missing.what(), Catch::Contains("21 chunks are not local") &&
                                 Catch::Contains("hangar fetch-data") &&
                                 Catch::Contains("clone again from an upgraded server"));
  CHECK(tree_of(partial.root()) == before);

  testing::Format1Fixture staged("repo");
  {
    namespace lmdb = storage::lmdb;
    lmdb::Env env = lmdb::Env::open(staged.dot() / "meta",
                                    {"objects", "refs", "staged_columns", "staged_samples"});
    const std::byte deleted[] = {std::byte{2}};
    env.write([&](lmdb::WriteTxn& txn) {
      txn.put(env.table("staged_columns"), as_bytes(std::string_view("vol")), deleted);
    });
  }
  const auto staged_before = tree_of(staged.root());
  const Error work = error_of([&] { upgrade_repository(staged.root(), UpgradeOptions{}); });
  CHECK(work.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(work.what(),
             Catch::Contains("staged changes") && Catch::Contains("commit or reset first"));
  CHECK(tree_of(staged.root()) == staged_before);
}

TEST_CASE("Upgrade: a clone reads the chunks it lacks from its format-1 origin on this machine",
          "[core][upgrade]") {
  testing::Format1Fixture clone("clone"), origin("repo");
  CHECK(error_of([&] { upgrade_repository(clone.root(), UpgradeOptions{}); }).code() ==
        ErrorCode::NotLocal);
  {
    auto text = storage::read_file(clone.dot() / "config", 1 << 20);
    std::string config(as_string_view(text));
    config.replace(config.find("remote.origin.url = "), std::string::npos,
                   "remote.origin.url = " + origin.root().string() + "\n");
    storage::write_file_atomic(clone.dot() / "config", as_bytes(config));
  }
  const UpgradeReport r = upgrade_repository(clone.root(), UpgradeOptions{});
  CHECK(r.borrowed_chunks == 3);
  CHECK(r.chunk_sources.at("origin") == origin.root());
  CHECK(r.remote_refs == 3);
  const UpgradeReport ro = upgrade_repository(origin.root(), UpgradeOptions{});
  CHECK(r.refs.at("refs/remotes/origin/main") == ro.refs.at("refs/heads/main"));
  CHECK(r.refs.at("refs/remotes/origin/old") == ro.refs.at("refs/heads/old"));
  const Repository repo = Repository::open(clone.root(), Repository::Mode::Read);
  CHECK(repo.config_value("clone.remote") == "origin");
}

TEST_CASE("Upgrade: killed at any step, the old repository is intact or the new one complete",
          "[core][upgrade]") {
  testing::Format1Fixture reference("repo");
  const Digest main =
      upgrade_repository(reference.root(), UpgradeOptions{}).refs.at("refs/heads/main");
  struct Step {
    const char* point;
    bool new_in_place;  // after the marker: the next open finishes the swap
  };
  const Step steps[] = {{"upgrade-converting", false}, {"upgrade-converted", false},
                        {"upgrade-checked", false},    {"upgrade-marked", false},
                        {"upgrade-old-moved", true},   {"upgrade-swapped", true},
                        {"upgrade-deleting", true}};
  for (const Step& step : steps) {
    INFO(step.point);
    testing::Format1Fixture fx("repo");
    const auto before = tree_of(fx.dot());
    REQUIRE(upgrade_dying_at(fx.root(), step.point) == 86);
    if (step.new_in_place) {
      CHECK(Repository::find_root(fx.root()) == fx.root());
      const Repository repo = Repository::open(fx.root(), Repository::Mode::Read);
      CHECK(repo.head() == main);
      CHECK_FALSE(fs::exists(fx.root() / ".hangar.format1"));
      CHECK(upgrade_repository(fx.root(), UpgradeOptions{}).already);
    } else {
      CHECK(tree_of(fx.dot()) == before);
      CHECK(error_of([&] { Repository::open(fx.root(), Repository::Mode::Read); }).code() ==
            ErrorCode::Unsupported);
      CHECK(upgrade_repository(fx.root(), UpgradeOptions{}).refs.at("refs/heads/main") == main);
    }
    CHECK_FALSE(fs::exists(fx.root() / ".hangar.upgrade"));
    CHECK_FALSE(fs::exists(fx.root() / ".hangar.format1.deleting"));
    CHECK(Repository::open(fx.root(), Repository::Mode::Read).head() == main);
  }
}

}  // namespace
}  // namespace hangar
