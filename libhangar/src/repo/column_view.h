// The columns a view reads from: a commit's, or HEAD's with the staged column changes applied,
// and the staged sample changes of one column against its base. Private to libhangar.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/schema.h>
#include <hangar/status.h>
#include <hangar/storage/lmdb.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "repo/repo_state.h"

namespace hangar::detail {

// A column as a view sees it: its schema and the record tree its samples start from.
struct ColumnBase {
  ColumnSchema schema;
  Digest schema_id;
  Digest root;  // all-zero: empty tree
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
};

// Staged changes of one column against its base.
struct ColumnDelta {
  StagedCounts counts;
  std::int64_t count_change = 0;
  std::int64_t nbytes_change = 0;
};

// Columns of `commit` (none when nullopt). Throws: NotFound, Corrupt.
std::map<std::string, ColumnBase> commit_columns(const RepoState& s, const lmdb::Txn& txn,
                                                 const std::optional<Digest>& commit);
// HEAD's columns with staged column creations, deletions and schema changes applied.
std::map<std::string, ColumnBase> staged_columns(const RepoState& s, const lmdb::Txn& txn);
// Walks the staged samples of `column` against `base`.
ColumnDelta staged_delta(const RepoState& s, const lmdb::Txn& txn, const std::string& column,
                         const ColumnBase& base);

}  // namespace hangar::detail
