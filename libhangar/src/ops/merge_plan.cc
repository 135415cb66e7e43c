// Column-level three-way merge: which columns are carried over whole, which are merged key
// by key, which conflict (merge.h states the rules).
#include "ops/merge_plan.h"

#include <set>

namespace hangar {
namespace {

using Col = const CommitColumn*;

const CommitColumn* find_column(const TreeState& s, const std::string& name) {
  auto it = s.find(name);
  return it == s.end() ? nullptr : &it->second;
}

// Same column state: both absent, or the same schema and the same records.
bool same_state(Col a, Col b) {
  if (!a || !b) return !a && !b;
  return a->schema == b->schema && a->records == b->records;
}

Digest root_of(Col c) { return c ? c->records : Digest{}; }

ColumnPlan take(const std::string& name, Col c) {
  ColumnPlan p;
  p.name = name;
  p.action = ColumnPlan::Action::Take;
  if (c) p.take = *c;
  return p;
}

ColumnPlan apply(const std::string& name, const Digest& schema, const Digest& onto,
                 std::vector<Mutation> mutations) {
  ColumnPlan p;
  p.name = name;
  p.action = ColumnPlan::Action::Apply;
  p.schema = schema;
  p.onto = onto;
  p.mutations = std::move(mutations);
  return p;
}

class Planner {
 public:
  Planner(PageStore& store, TreeResolution how,
          const std::map<std::string, ColumnResolutions>& per_column)
      : store_(store), how_(how), per_column_(per_column) {}

  // Plans one column; nullopt when ours keeps it as it is.
  std::optional<ColumnPlan> column(const std::string& name, Col b, Col o, Col t) {
    if (o && t && o->schema == t->schema) return key_level(name, b, o, t);
    if (same_state(o, t) || same_state(t, b)) return std::nullopt;
    if (same_state(o, b)) return take(name, t);
    return column_conflict(name, b, o, t);
  }

  std::vector<ColumnConflict> conflicts;

 private:
  std::optional<ColumnPlan> key_level(const std::string& name, Col b, Col o, Col t) {
    if (o->records == t->records) return std::nullopt;
    const auto chosen = per_column_.find(name);
    TreeMergePlan p =
        plan_tree_merge(store_, root_of(b), o->records, t->records, how_,
                        chosen == per_column_.end() ? KeyResolutions{} : chosen->second.keys);
    for (auto& c : p.conflicts) conflicts.push_back({name, std::move(c.key), c.kind});
    if (p.mutations.empty()) return std::nullopt;
    return apply(name, o->schema, o->records, std::move(p.mutations));
  }

  // Neither side kept the base's column and they did not end up the same.
  std::optional<ColumnPlan> column_conflict(const std::string& name, Col b, Col o, Col t) {
    if (how_ == TreeResolution::Virtual) {
      TreeMergePlan p =
          plan_tree_merge(store_, root_of(b), root_of(o), root_of(t), TreeResolution::Virtual);
      return apply(name, virtual_conflict_schema(), root_of(o), std::move(p.mutations));
    }
    const Col kept = o ? o : t;  // when one side deleted the column
    if (o && t) {
      conflicts.push_back({name, std::nullopt, ConflictKind::Schema});
    } else if (b && kept->schema == b->schema) {
      // Deleted on one side, samples changed on the other: one conflict per changed key.
      const ConflictKind kind = o ? ConflictKind::ModifiedDeleted : ConflictKind::DeletedModified;
      diff_trees(
          store_, b->records, kept->records,
          [&](ByteView key, const std::optional<RecordValue>&, const std::optional<RecordValue>&) {
            conflicts.push_back({name, to_bytes(key), kind});
          });
    } else {
      conflicts.push_back({name, std::nullopt, ConflictKind::Schema});
    }
    const auto chosen = per_column_.find(name);
    const TreeResolution resolve =
        chosen == per_column_.end() ? how_ : chosen->second.column.value_or(how_);
    if (resolve == TreeResolution::Theirs) return take(name, t);
    return std::nullopt;
  }

  PageStore& store_;
  TreeResolution how_;
  const std::map<std::string, ColumnResolutions>& per_column_;
};

}  // namespace

TreeState tree_state(const Commit& c) {
  TreeState s;
  for (const auto& col : c.columns) s.emplace(col.name, col);
  return s;
}

std::vector<CommitColumn> tree_columns(const TreeState& s) {
  std::vector<CommitColumn> out;
  out.reserve(s.size());
  for (const auto& [name, c] : s) out.push_back(c);
  return out;
}

StateMergePlan plan_state_merge(PageStore& store, const TreeState& base, const TreeState& ours,
                                const TreeState& theirs, TreeResolution how,
                                const std::map<std::string, ColumnResolutions>& per_column) {
  std::set<std::string> names;
  for (const auto* s : {&base, &ours, &theirs})
    for (const auto& [name, c] : *s) names.insert(name);
  Planner planner(store, how, per_column);
  StateMergePlan plan;
  for (const auto& name : names) {
    auto p = planner.column(name, find_column(base, name), find_column(ours, name),
                            find_column(theirs, name));
    if (p) plan.columns.push_back(std::move(*p));
  }
  plan.conflicts = std::move(planner.conflicts);
  return plan;
}

TreeState apply_state_merge(PageStore& store, const TreeState& ours, const StateMergePlan& plan) {
  TreeState out = ours;
  for (const ColumnPlan& p : plan.columns) {
    if (p.action == ColumnPlan::Action::Take) {
      if (p.take) {
        out[p.name] = *p.take;
      } else {
        out.erase(p.name);
      }
      continue;
    }
    const TreeStats t = apply_mutations(store, p.onto, p.mutations);
    out[p.name] = CommitColumn{p.name, p.schema, t.root, t.count, t.nbytes};
  }
  return out;
}

}  // namespace hangar
