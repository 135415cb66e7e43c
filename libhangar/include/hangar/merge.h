// Merging a branch into the current one (Repository::merge, libhangar/src/ops/merge.cc):
// up-to-date, fast-forward, or a three-way merge at sample-key level against the merge base.
//
// The three-way rule, per sample key k with values b (base), o (ours), t (theirs), where a
// value may be "absent":
//   o == t           -> o         (no change, or the same change on both sides)
//   o == b           -> t         (only theirs changed k)
//   t == b           -> o         (only ours changed k)
//   otherwise        -> conflict: both-added (b absent), both-modified (o and t present),
//                       deleted-modified (o absent), modified-deleted (t absent).
// Columns: a column added, deleted or re-created (new schema) on one side only is carried
// over whole. When both sides changed a column's schema differently, or one side changed its
// schema and the other changed it in any way, that is one `schema` conflict with no key. A
// column deleted on one side whose samples the other side changed gives one conflict per
// changed key (deleted-modified / modified-deleted).
//
// Strategies: with Ours or Theirs every conflict takes that side's value -- a key conflict
// takes the side's value (absent means deleted: deleted-modified with Theirs keeps the
// modification, with Ours deletes the key), a column-level conflict takes the side's whole
// column (or its absence). Non-conflicting changes from both sides are combined as always.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/key.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

enum class ConflictKind : std::uint8_t {
  BothAdded,        // absent in the base, added on both sides with different values
  BothModified,     // changed on both sides to different values
  DeletedModified,  // deleted on ours, modified (or added to a deleted column) on theirs
  ModifiedDeleted,  // modified on ours, deleted on theirs
  Schema,           // the column's schema changed on both sides differently (no key)
};

// "both-added", "both-modified", "deleted-modified", "modified-deleted", "schema".
std::string_view conflict_kind_name(ConflictKind kind) noexcept;

// Where two versions of a chunked tensor conflict: the first grid block (origin, extent) that
// both sides changed to different bytes. Both-modified samples of one dtype and shape whose
// changed blocks are disjoint are merged block by block instead (merge_chunks.h).
struct ConflictRegion {
  Shape origin;
  Shape extent;
  bool operator==(const ConflictRegion&) const = default;
};

struct Conflict {
  std::string column;
  std::optional<Key> key;     // nullopt for ConflictKind::Schema
  std::optional<Key> subkey;  // nested columns
  ConflictKind kind = ConflictKind::BothModified;
  std::optional<ConflictRegion> region = std::nullopt;  // both-modified chunked tensors
  bool operator==(const Conflict&) const = default;
};

enum class MergeStrategy : std::uint8_t {
  None,    // conflicts stop the merge: nothing is written
  Ours,    // every conflict takes ours
  Theirs,  // every conflict takes theirs
};

// One per-key resolution (merge --resolve NAME=ours|theirs). NAME is a conflict's name as
// conflict_name() gives it: "COLUMN/KEY" or "COLUMN/KEY/SUBKEY" settles that sample's conflict;
// "COLUMN" settles every conflict of the column (the only way for a column-level conflict: a
// schema changed on both sides, or the column deleted on one side and changed on the other).
struct ConflictResolution {
  std::string name;
  MergeStrategy side = MergeStrategy::Ours;  // Ours or Theirs
};

struct MergeOptions {
  std::string message;                           // empty: "Merge branch 'B' into 'C'"
  MergeStrategy strategy = MergeStrategy::None;  // for the conflicts `resolve` leaves
  // Conflicts settled one by one; the others take `strategy` (None: they stop the merge).
  // Each must name a conflict of this merge (else InvalidArgument naming it).
  std::vector<ConflictResolution> resolve;
};

// "images/17", "images/17/3" (nested), or "images" for a schema conflict: how merge output
// names a conflict and how ConflictResolution::name refers to it.
std::string conflict_name(const Conflict& conflict);

struct MergeResult {
  enum class Kind : std::uint8_t {
    UpToDate,     // theirs is already reachable from ours; nothing changed
    FastForward,  // ours was an ancestor of theirs: the branch now points at theirs
    Merged,       // a merge commit with parents [ours, theirs] was written
    Conflict,     // conflicts (listed); nothing was written
  };
  Kind kind = Kind::UpToDate;
  // The branch's commit after the merge (UpToDate: unchanged; Conflict: nullopt).
  std::optional<Digest> commit;
  // Kind::Conflict: the conflicts, by column then key order.
  std::vector<Conflict> conflicts;
  // Kind::Merged with a strategy: the conflicts the strategy resolved, same order.
  std::vector<Conflict> resolved;
  // Three-way merges: the merge base (nullopt when the histories share no commit, or when it
  // is a virtual base made from several lowest common ancestors).
  std::optional<Digest> base;
};

// "up-to-date", "fast-forward", "merged", "conflict".
std::string_view merge_kind_name(MergeResult::Kind kind) noexcept;

}  // namespace hangar
