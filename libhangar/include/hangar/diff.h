// Diffs between two states of a repository (a commit, the staged state, or nothing): per
// column the added, deleted and mutated sample keys, plus schema changes. Computed by
// Repository::diff (libhangar/src/ops/diff.cc) walking only the record-tree pages that differ,
// so the cost is proportional to the number of changes, not to the size of the columns.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/commit.h>
#include <hangar/key.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hangar {

// One side of a diff.
struct DiffSide {
  enum class Kind : std::uint8_t {
    Empty,   // no commit: every column of the other side is added (an unborn branch)
    Commit,  // the state recorded in `commit`
    Staged,  // the writer's staged state: HEAD plus staged changes (what the next commit holds)
  };
  Kind kind = Kind::Empty;
  Digest commit;  // Kind::Commit only

  static DiffSide empty() { return {}; }
  static DiffSide at(const Digest& c) { return {Kind::Commit, c}; }
  static DiffSide staged() { return {Kind::Staged, Digest{}}; }
  bool operator==(const DiffSide&) const = default;
};

// How much to report per changed sample.
enum class DiffDetail : std::uint8_t {
  Counts,  // counts only (memory independent of the number of changes)
  Keys,    // counts and every changed key
  Stats,   // keys, and per mutated sample element-level statistics (reads both tensors)
};

struct DiffSpec {
  DiffSide from;
  DiffSide to;
  DiffDetail detail = DiffDetail::Keys;
};

// A sample's address: key, and subkey for nested columns.
struct SampleKey {
  Key key;
  std::optional<Key> subkey;
  auto operator<=>(const SampleKey&) const = default;
};

// Element-level comparison of the two tensors of a mutated sample (same dtype and shape).
// Integers and bool compare exactly; float16/32/64 compare as numbers (float16 widened to
// float32), where two NaNs are equal, and a NaN against a number counts as changed without
// entering max_abs_diff. max_abs_diff is the largest |from - to| as a double (bool: 0 or 1);
// it is +inf when an infinity changed.
struct ElementDiff {
  std::uint64_t changed = 0;  // elements that differ
  double max_abs_diff = 0;
  bool operator==(const ElementDiff&) const = default;
};

struct MutatedSample {
  SampleKey sample;
  // Set only with DiffDetail::Stats and when both tensors have the same dtype and shape and
  // their chunks are local (a partial clone may lack them; the diff itself never needs them).
  std::optional<ElementDiff> stats;
};

struct DiffCounts {
  std::uint64_t added = 0;
  std::uint64_t deleted = 0;
  std::uint64_t mutated = 0;
  std::uint64_t total() const noexcept { return added + deleted + mutated; }
  bool operator==(const DiffCounts&) const = default;
};

// Changes to one column's samples. The key lists are in key order and empty with
// DiffDetail::Counts; `counts` is always set. A column that exists on one side only has all
// its samples added (or deleted).
struct ColumnDiff {
  DiffCounts counts;
  std::vector<SampleKey> added;
  std::vector<SampleKey> deleted;
  std::vector<MutatedSample> mutated;
};

// Column-level changes, each list sorted by name. `mutated`: the column exists on both sides
// with different schemas (dtype, shape, layout, backend, level or attributes).
struct SchemaDiff {
  std::vector<std::string> added;
  std::vector<std::string> deleted;
  std::vector<std::string> mutated;
  bool empty() const noexcept { return added.empty() && deleted.empty() && mutated.empty(); }
};

struct DiffResult {
  DiffSide from;
  DiffSide to;
  std::map<std::string, ColumnDiff> columns;  // only columns with changed samples
  SchemaDiff schema;
  bool empty() const noexcept { return columns.empty() && schema.empty(); }
};

// One commit and what it changed against its first parent (the empty state for a root
// commit), counts only.
struct ShowResult {
  Digest digest;
  Commit commit;
  DiffResult changes;  // from = first parent (or empty), to = the commit, DiffDetail::Counts
};

}  // namespace hangar
