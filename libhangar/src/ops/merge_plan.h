// Column-level three-way merge of whole commit trees (the column rules of merge.h), on top of
// the key-level tree merge. Plans first (reads only), applies second, so a merge with
// conflicts writes nothing.
#pragma once

#include <hangar/commit.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tree/tree_merge.h"

namespace hangar {

// A commit's columns by name (or a virtual merge base's).
using TreeState = std::map<std::string, CommitColumn>;

TreeState tree_state(const Commit& c);
std::vector<CommitColumn> tree_columns(const TreeState& s);  // sorted by name

struct ColumnConflict {
  std::string column;
  std::optional<Bytes> key;  // record key; nullopt for ConflictKind::Schema
  ConflictKind kind = ConflictKind::Schema;
  std::optional<ConflictRegion> region = std::nullopt;  // set by merge_chunked_conflicts()
};

// How one column of ours changes. Columns ours keeps as they are have no ColumnPlan.
struct ColumnPlan {
  enum class Action : std::uint8_t {
    Take,   // the column becomes `take` (nullopt: it is dropped)
    Apply,  // the column becomes apply_mutations(onto, mutations) with schema `schema`
  };
  std::string name;
  Action action = Action::Take;
  std::optional<CommitColumn> take;
  Digest schema;
  Digest onto;  // ours' records, or the empty tree
  std::vector<Mutation> mutations;
};

struct StateMergePlan {
  std::vector<ColumnPlan> columns;        // by name
  std::vector<ColumnConflict> conflicts;  // by column, then key
};

// What merge --resolve chose for one column: for its column-level conflict (schema, or deleted
// on one side), and for its conflicting keys.
struct ColumnResolutions {
  std::optional<TreeResolution> column;
  KeyResolutions keys;
};

// Plans merging `theirs` into `ours` against `base`. Conflicts are always listed; `how` says
// what the plan does about them (None and Ours: keep ours). With Virtual a column-level
// conflict becomes a column with virtual_conflict_schema() holding the key-level virtual
// merge of the trees, and per-key conflict listings of deleted columns are skipped.
// `per_column` overrides `how` for the conflicts it names (by column name).
// REQUIRES: nothing is put into `store` during the call. Throws: NotFound, Corrupt.
StateMergePlan plan_state_merge(PageStore& store, const TreeState& base, const TreeState& ours,
                                const TreeState& theirs, TreeResolution how,
                                const std::map<std::string, ColumnResolutions>& per_column = {});

// Applies a plan to ours: writes the pages of every Apply column into `store`.
// Throws: NotFound, Corrupt (pages of ours), what put_page throws.
TreeState apply_state_merge(PageStore& store, const TreeState& ours, const StateMergePlan& plan);

}  // namespace hangar
