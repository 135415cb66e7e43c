// A new repository in a fresh temporary folder, open for writing; the folder goes with it.
// The one fixture of the core unit tests (extended by derivation where a test needs more).
#pragma once

#include <hangar/repository.h>

#include <filesystem>
#include <string>
#include <utility>

#include "support/storage_temp_dir.h"

namespace hangar::testing {

struct TempRepo {
  StorageTempDir dir;
  std::filesystem::path root;  // the repository: the folder itself, or `sub` inside it
  Repository repo;

  explicit TempRepo(const std::string& tag = "repo",
                    const UserIdentity& user = {"Test", "test@example.org"},
                    const std::string& sub = {})
      : dir(tag), root(sub.empty() ? dir.path() : dir / sub), repo(init_and_open(root, user)) {}

  // Closes the repository (`repo` is then empty until reopen()), so files can be changed
  // under it or another handle opened.
  void close() { Repository closing = std::move(repo); }
  // Closes the repository, then opens it again in `mode` (what another process would see).
  void reopen(Repository::Mode mode) {
    close();
    repo = Repository::open(root, mode);
  }

 private:
  static Repository init_and_open(const std::filesystem::path& root, const UserIdentity& user) {
    Repository::init(root, user);
    return Repository::open(root, Repository::Mode::Write);
  }
};

}  // namespace hangar::testing
