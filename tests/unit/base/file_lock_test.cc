// RepoLock (flock) in-process and across processes; atomic writes; bounded reads.
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <string>

#include "support/storage_temp_dir.h"
#include "support/test_util.h"

using namespace hangar::storage;
using hangar::code_of;
using hangar::ErrorCode;

namespace {

// Runs `fn` in a forked child; returns its exit status (fn's return value).
int in_child(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(fn());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

int try_lock(const std::filesystem::path& file) {
  try {
    RepoLock::acquire(file, "r");
    return 0;
  } catch (const hangar::Error& e) {
    return e.code() == ErrorCode::Locked ? 10 : 11;
  } catch (...) {
    return 12;
  }
}
}  // namespace

TEST_CASE("RepoLock: a second acquire in the same process fails", "[base][file_lock]") {
  hangar::testing::StorageTempDir dir;
  const auto file = dir.path() / "lock";
  {
    RepoLock held = RepoLock::acquire(file, "/data/r");
    try {
      RepoLock::acquire(file, "/data/r");
      FAIL("expected Locked");
    } catch (const hangar::Error& e) {
      CHECK(e.code() == ErrorCode::Locked);
      CHECK(std::string(e.what()) ==
            "repository '/data/r' is locked by another writer; retry when it finishes");
    }
    RepoLock moved = std::move(held);
    CHECK(code_of([&] { RepoLock::acquire(file, "r"); }) == ErrorCode::Locked);
  }
  CHECK_NOTHROW(RepoLock::acquire(file, "r"));
}

TEST_CASE("RepoLock: a forked child cannot take a held lock", "[base][file_lock]") {
  hangar::testing::StorageTempDir dir;
  const auto file = dir.path() / "lock";
  std::optional<RepoLock> held(RepoLock::acquire(file, "r"));
  CHECK(in_child([&] { return try_lock(file); }) == 10);
  held.reset();
  CHECK(in_child([&] { return try_lock(file); }) == 0);
}

TEST_CASE("RepoLock: released when the holding process goes", "[base][file_lock]") {
  hangar::testing::StorageTempDir dir;
  const auto file = dir.path() / "lock";
  int to_child[2], to_parent[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(to_parent) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(to_child[1]);  // so a dead parent means EOF, not a hang
    ::close(to_parent[0]);
    char c = 'E';
    std::optional<RepoLock> lock;
    try {
      lock.emplace(RepoLock::acquire(file, "r"));
      c = 'L';
    } catch (...) {
    }
    (void)!::write(to_parent[1], &c, 1);
    (void)!::read(to_child[0], &c, 1);  // hold the lock until the parent says go
    ::_exit(0);  // RepoLock's destructor never runs: the kernel must release the lock
  }
  ::close(to_child[0]);
  ::close(to_parent[1]);
  ScopedFd go(to_child[1]), ready(to_parent[0]);  // closing `go` lets the child exit
  char c = 0;
  REQUIRE(::read(ready.get(), &c, 1) == 1);
  REQUIRE(c == 'L');
  CHECK(code_of([&] { RepoLock::acquire(file, "r"); }) == ErrorCode::Locked);
  go.reset();
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK_NOTHROW(RepoLock::acquire(file, "r"));
}

TEST_CASE("AtomicFile: writes, replaces and leaves no temp files", "[base][file_lock]") {
  hangar::testing::StorageTempDir dir;
  const auto file = dir.path() / "config";
  write_file_atomic(file, hangar::as_bytes("first"));
  CHECK(read_file(file, 100) == hangar::to_bytes("first"));
  write_file_atomic(file, hangar::as_bytes("second version"));
  CHECK(read_file(file, 100) == hangar::to_bytes("second version"));
  write_file_atomic(file, {});
  CHECK(read_file(file, 100).empty());
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);
  CHECK(code_of([&] { write_file_atomic(dir.path() / "no" / "such", hangar::as_bytes("x")); }) ==
        ErrorCode::Io);
}

TEST_CASE("ReadFile: missing, too large and directories are errors", "[base][file_lock]") {
  hangar::testing::StorageTempDir dir;
  CHECK(code_of([&] { read_file(dir.path() / "missing", 10); }) == ErrorCode::NotFound);
  write_file_atomic(dir.path() / "f", hangar::as_bytes("0123456789"));
  CHECK(read_file(dir.path() / "f", 10).size() == 10);
  try {
    read_file(dir.path() / "f", 9);
    FAIL("expected InvalidArgument");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).find(dir.path().string() + "/f") != std::string::npos);
  }
  CHECK(code_of([&] { read_file(dir.path(), 10); }) == ErrorCode::InvalidArgument);
}
