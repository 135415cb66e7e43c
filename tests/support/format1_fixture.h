// The format-1 fixture repositories (tests/fixtures/format1: repo, clone, partial), each
// unpacked into its own temporary directory for one test, and the expected sample hashes.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "support/storage_temp_dir.h"

namespace hangar::testing {

inline std::filesystem::path format1_fixtures_dir() { return HANGAR_FORMAT1_FIXTURES; }

class Format1Fixture {
 public:
  // Unpacks <name>.tar.gz ("repo", "clone" or "partial"); root() is the repository's folder.
  explicit Format1Fixture(const std::string& name) : dir_("format1-" + name) {
    const std::string cmd = "tar -xzf '" + (format1_fixtures_dir() / (name + ".tar.gz")).string() +
                            "' -C '" + dir_.path().string() + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot unpack " + name);
    root_ = dir_.path() / name;
  }
  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path dot() const { return root_ / ".hangar"; }
  const std::filesystem::path& tmp() const noexcept { return dir_.path(); }

 private:
  StorageTempDir dir_;
  std::filesystem::path root_;
};

// expected.sha256: "./BRANCH/COLUMN/KEY.npy" -> sha256 hex of that exported .npy file.
inline std::map<std::string, std::string> format1_expected_hashes() {
  std::ifstream in(format1_fixtures_dir() / "expected.sha256");
  std::map<std::string, std::string> out;
  std::string hash, path;
  while (in >> hash >> path) out[path.substr(2)] = hash;
  return out;
}

}  // namespace hangar::testing
