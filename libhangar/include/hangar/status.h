// What `status` reports (Repository::status): staged changes against HEAD.
#pragma once

#include <hangar/base/digest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hangar {

// Staged sample changes of one column.
struct StagedCounts {
  std::uint64_t added = 0;
  std::uint64_t deleted = 0;
  std::uint64_t mutated = 0;
};

struct StatusReport {
  std::string branch;                          // current branch (may be unborn)
  std::optional<Digest> head;                  // nullopt before the first commit
  bool detached = false;                       // HEAD detached at `head` (branch: the last one)
  std::map<std::string, StagedCounts> staged;  // per column with staged sample changes
  std::vector<std::string> columns_added;      // created (or re-created) since HEAD
  std::vector<std::string> columns_deleted;
  std::vector<std::string> columns_changed;  // columns of HEAD with a new schema, records kept
  bool clean() const {
    return staged.empty() && columns_added.empty() && columns_deleted.empty() &&
           columns_changed.empty();
  }
};

}  // namespace hangar
