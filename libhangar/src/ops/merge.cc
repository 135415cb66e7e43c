// Repository::merge: up-to-date, fast-forward, or a three-way merge against the merge base
// (a virtual one for criss-cross histories, see merge_base.h), all in one write txn.
//
// Order inside the txn: resolve refs, find the base, *plan* the merge reading only (virtual
// base trees live in an in-memory OverlayPageStore), and only when there is no conflict, or a
// strategy resolved them, apply the plan (pages written), put the commit and compare-and-swap
// the branch. A conflicting merge thus writes nothing at all.
#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/repository.h>

#include <array>
#include <chrono>
#include <unordered_map>

#include "model/record_key.h"
#include "ops/merge_base.h"
#include "ops/merge_chunks.h"
#include "ops/merge_plan.h"
#include "repo/repo_state.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

// Commit lookups for one merge, cached (the DAG walks ask for the same commits repeatedly).
class History {
 public:
  History(const detail::RepoState& st, const lmdb::Txn& txn) : st_(st), txn_(txn) {}

  const Commit& commit(const Digest& id) {
    auto it = cache_.find(id);
    if (it == cache_.end()) it = cache_.emplace(id, st_.load_commit(txn_, id)).first;
    return it->second;
  }
  ParentsFn parents() {
    return [this](const Digest& id) { return commit(id).parents; };
  }

 private:
  const detail::RepoState& st_;
  const lmdb::Txn& txn_;
  std::unordered_map<Digest, Commit> cache_;
};

// The merge base of two (virtual) commits whose parents are `a` and `b`: the single LCA's
// tree, the empty tree for unrelated histories, or the virtual merge of several LCAs,
// folded in digest order, each step merged against its own (recursive) base.
TreeState merge_base_state(History& h, PageStore& overlay, std::span<const Digest> a,
                           std::span<const Digest> b, std::optional<Digest>* single) {
  const std::vector<Digest> lcas = lowest_common_ancestors(h.parents(), a, b);
  if (lcas.empty()) return {};
  if (lcas.size() == 1) {
    if (single) *single = lcas.front();
    return tree_state(h.commit(lcas.front()));
  }
  std::vector<Digest> merged{lcas.front()};
  TreeState acc = tree_state(h.commit(lcas.front()));
  for (std::size_t i = 1; i < lcas.size(); ++i) {
    const std::array<Digest, 1> next{lcas[i]};
    const TreeState base = merge_base_state(h, overlay, merged, next, nullptr);
    const TreeState other = tree_state(h.commit(lcas[i]));
    const StateMergePlan plan =
        plan_state_merge(overlay, base, acc, other, TreeResolution::Virtual);
    acc = apply_state_merge(overlay, acc, plan);
    merged.push_back(lcas[i]);
  }
  return acc;
}

TreeResolution resolution_of(MergeStrategy s) {
  switch (s) {
    case MergeStrategy::Ours:
      return TreeResolution::Ours;
    case MergeStrategy::Theirs:
      return TreeResolution::Theirs;
    case MergeStrategy::None:
      break;
  }
  return TreeResolution::None;
}

// Public conflicts: record keys decoded with the column's schema (ours', else theirs').
std::vector<Conflict> describe(const detail::RepoState& st, const lmdb::Txn& txn,
                               const TreeState& ours, const TreeState& theirs,
                               const std::vector<ColumnConflict>& conflicts) {
  std::vector<Conflict> out;
  std::map<std::string, ColumnSchema> schemas;
  for (const auto& c : conflicts) {
    Conflict pc{c.column, std::nullopt, std::nullopt, c.kind, c.region};
    if (c.key) {
      auto it = schemas.find(c.column);
      if (it == schemas.end()) {
        auto col = ours.find(c.column);
        if (col == ours.end()) col = theirs.find(c.column);
        it = schemas.emplace(c.column, st.load_schema(txn, col->second.schema)).first;
      }
      auto [key, sub] = detail::split_record_key(it->second, *c.key);
      pc.key = std::move(key);
      pc.subkey = std::move(sub);
    }
    out.push_back(std::move(pc));
  }
  return out;
}

// The per-column choices of `options.resolve` for the conflicts `listed` (public names) of
// `raw` (the plan's conflicts, same order). Throws: InvalidArgument for a resolution that
// names no conflict, or a key of a column whose conflict is column-level.
std::map<std::string, ColumnResolutions> resolutions_for(const MergeOptions& options,
                                                         const std::vector<Conflict>& listed,
                                                         const std::vector<ColumnConflict>& raw,
                                                         const TreeState& ours,
                                                         const TreeState& theirs,
                                                         std::vector<bool>& settled) {
  std::map<std::string, ColumnResolutions> out;
  settled.assign(listed.size(), false);
  auto names = [&] {
    std::string list;
    for (std::size_t i = 0; i < listed.size() && i < 5; ++i)
      list += (i == 0 ? "" : ", ") + conflict_name(listed[i]);
    if (listed.size() > 5) list += ", ...";
    return list.empty() ? std::string("none") : list;
  };
  for (const ConflictResolution& res : options.resolve) {
    const TreeResolution side =
        res.side == MergeStrategy::Theirs ? TreeResolution::Theirs : TreeResolution::Ours;
    bool matched = false;
    for (std::size_t i = 0; i < listed.size(); ++i) {
      const Conflict& c = listed[i];
      const auto o = ours.find(c.column), t = theirs.find(c.column);
      // Conflicts a column-level plan decides whole: a schema conflict, or a column that one
      // side deleted or re-created (its key conflicts all follow the column).
      const bool column_level =
          !c.key || o == ours.end() || t == theirs.end() || o->second.schema != t->second.schema;
      if (res.name == c.column) {
        if (column_level)
          out[c.column].column = side;
        else
          out[c.column].keys[key_resolution_key(*raw[i].key)] = side;
      } else if (res.name == conflict_name(c)) {
        if (column_level)
          fail(ErrorCode::InvalidArgument,
               "--resolve '" + res.name + "': column " + c.column +
                   " is in conflict as a whole (deleted or re-created on one side); resolve it "
                   "with --resolve " +
                   c.column + "=ours|theirs");
        out[c.column].keys[key_resolution_key(*raw[i].key)] = side;
      } else {
        continue;
      }
      matched = true;
      settled[i] = true;
    }
    if (!matched)
      fail(ErrorCode::InvalidArgument,
           "--resolve '" + res.name +
               "': not in conflict in this merge (the conflicts: " + names() + ")");
  }
  return out;
}

struct MergeInput {
  std::string ours_branch;
  std::string theirs_branch;      // the revision as given: "dev", "origin/main", "HEAD~2"
  bool theirs_is_branch = false;  // a local branch (the default message says "branch")
  Digest ours;
  Digest theirs;
};

MergeResult three_way(detail::RepoState& st, lmdb::WriteTxn& txn, History& h, const MergeInput& in,
                      const MergeOptions& options, const UserIdentity& who) {
  TxnPageStore pages(st.objects, txn, &txn);
  OverlayPageStore overlay(pages);
  MergeResult r;
  const std::array<Digest, 1> a{in.ours}, b{in.theirs};
  const TreeState base = merge_base_state(h, overlay, a, b, &r.base);
  const TreeState ours = tree_state(h.commit(in.ours)), theirs = tree_state(h.commit(in.theirs));
  StateMergePlan plan =
      plan_state_merge(overlay, base, ours, theirs, resolution_of(options.strategy));
  // Both-modified large samples whose changed chunks are disjoint merge block by block.
  std::vector<Bytes> merged_samples =
      merge_chunked_conflicts(st, txn, overlay, base, ours, theirs, plan);
  std::vector<Conflict> conflicts = describe(st, txn, ours, theirs, plan.conflicts);
  if (!options.resolve.empty()) {
    // Plan again with the per-key choices; the conflicts they leave take the strategy.
    std::vector<bool> settled;
    const auto per_column =
        resolutions_for(options, conflicts, plan.conflicts, ours, theirs, settled);
    if (options.strategy == MergeStrategy::None) {
      std::vector<Conflict> left;
      for (std::size_t i = 0; i < conflicts.size(); ++i)
        if (!settled[i]) left.push_back(conflicts[i]);
      if (!left.empty()) {
        r.kind = MergeResult::Kind::Conflict;
        r.conflicts = std::move(left);
        return r;
      }
    }
    plan =
        plan_state_merge(overlay, base, ours, theirs, resolution_of(options.strategy), per_column);
    merged_samples = merge_chunked_conflicts(st, txn, overlay, base, ours, theirs, plan);
  } else if (!conflicts.empty() && options.strategy == MergeStrategy::None) {
    r.kind = MergeResult::Kind::Conflict;
    r.conflicts = std::move(conflicts);
    return r;
  }
  for (const Bytes& d : merged_samples) st.objects.put(txn, d);
  Commit c;
  c.parents = {in.ours, in.theirs};
  c.columns = tree_columns(apply_state_merge(pages, ours, plan));
  c.author = who.name;
  c.email = who.email;
  c.time = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  c.message = !options.message.empty() ? options.message
                                       : (in.theirs_is_branch ? "Merge branch '" : "Merge '") +
                                             in.theirs_branch + "' into '" + in.ours_branch + "'";
  const Digest id = st.objects.put(txn, encode_commit(c));
  if (!st.refs.compare_and_swap(txn, RefStore::branch_ref(in.ours_branch), in.ours, id))
    fail(ErrorCode::Internal, "branch '" + in.ours_branch + "' moved during merge");
  r.kind = MergeResult::Kind::Merged;
  r.commit = id;
  r.resolved = std::move(conflicts);
  return r;
}

MergeResult merge_in_txn(detail::RepoState& st, lmdb::WriteTxn& txn, std::string_view revision,
                         const MergeOptions& options, const UserIdentity& who) {
  MergeInput in;
  in.ours_branch = st.refs.head_branch(txn);
  in.theirs_branch = std::string(revision);
  in.theirs_is_branch = st.refs.read(txn, RefStore::branch_ref(revision)).has_value();
  const Digest theirs = detail::resolve_revision(st, txn, revision);
  if (!st.staging.empty(txn))
    fail(ErrorCode::InvalidArgument,
         "cannot merge '" + in.theirs_branch + "': there are staged changes on '" + in.ours_branch +
             "'",
         Hint{.action = HintAction::CommitOrReset});
  const auto ours = st.head(txn);
  const std::string ref = RefStore::branch_ref(in.ours_branch);
  MergeResult r;
  History h(st, txn);
  if (!options.resolve.empty() && ours &&
      (is_ancestor(h.parents(), theirs, *ours) || is_ancestor(h.parents(), *ours, theirs)))
    fail(ErrorCode::InvalidArgument, "--resolve '" + options.resolve.front().name +
                                         "': not in conflict (merging '" + in.theirs_branch +
                                         "' has no conflicts: it is up to date or a fast-forward)");
  if (ours && is_ancestor(h.parents(), theirs, *ours)) {
    r.kind = MergeResult::Kind::UpToDate;
    r.commit = ours;
    return r;
  }
  if (!ours || is_ancestor(h.parents(), *ours, theirs)) {
    if (!st.refs.compare_and_swap(txn, ref, ours, theirs))
      fail(ErrorCode::Internal, "branch '" + in.ours_branch + "' moved during merge");
    r.kind = MergeResult::Kind::FastForward;
    r.commit = theirs;
    return r;
  }
  in.ours = *ours;
  in.theirs = theirs;
  return three_way(st, txn, h, in, options, who);
}

}  // namespace

std::string_view conflict_kind_name(ConflictKind kind) noexcept {
  switch (kind) {
    case ConflictKind::BothAdded:
      return "both-added";
    case ConflictKind::BothModified:
      return "both-modified";
    case ConflictKind::DeletedModified:
      return "deleted-modified";
    case ConflictKind::ModifiedDeleted:
      return "modified-deleted";
    case ConflictKind::Schema:
      return "schema";
  }
  return "unknown";
}

std::string conflict_name(const Conflict& c) {
  if (!c.key) return c.column;
  // Built by appending: "/" + std::string trips GCC 12's false -Wrestrict.
  std::string name = c.column;
  name.push_back('/');
  name.append(c.key->to_string());
  if (c.subkey) {
    name.push_back('/');
    name.append(c.subkey->to_string());
  }
  return name;
}

std::string_view merge_kind_name(MergeResult::Kind kind) noexcept {
  switch (kind) {
    case MergeResult::Kind::UpToDate:
      return "up-to-date";
    case MergeResult::Kind::FastForward:
      return "fast-forward";
    case MergeResult::Kind::Merged:
      return "merged";
    case MergeResult::Kind::Conflict:
      return "conflict";
  }
  return "unknown";
}

std::vector<Digest> Repository::merge_bases(const Digest& a, const Digest& b) const {
  auto txn = state_->meta.begin_read();
  History h(*state_, txn);
  const std::array<Digest, 1> sa{a}, sb{b};
  h.commit(a);  // NotFound early, naming the commit
  h.commit(b);
  return lowest_common_ancestors(h.parents(), sa, sb);
}

MergeResult Repository::merge(std::string_view revision, const MergeOptions& options) {
  state_->require_write();
  if (const auto at = detached())
    fail(ErrorCode::InvalidArgument,
         "cannot merge: HEAD is detached at " + at->short_hex() + " (a read-only checkout)",
         Hint{.action = HintAction::CheckoutNewBranch});
  const UserIdentity who = user();
  MergeResult result;
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    result = merge_in_txn(*state_, txn, revision, options, who);
    failpoint("merge-written");  // the txn is not committed yet
  });
  return result;
}

}  // namespace hangar
