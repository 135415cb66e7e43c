// Diff of two repository states (commits, the staged state, or nothing), and show.
//
// Commit vs commit: per column, diff_trees of the two record trees, which skips every subtree
// the trees share, so the pages read grow with the number of changed keys, not with N.
// A staged side is what the next commit will hold: its base tree (HEAD's, or empty for a
// re-created column) with the staged samples applied by apply_mutations -- the same O(k log N)
// work as a commit -- into an in-memory OverlayPageStore, so nothing reaches the repository.
// Then it is one more tree diff: staged vs HEAD reads only the base pages the staged keys fall
// in (once to apply, once to diff), never a whole column. This was measured ~20x faster for
// 100,000 staged keys than one find_record per staged key.
#include <hangar/error.h>
#include <hangar/repository.h>

#include <set>

#include "model/record_key.h"
#include "ops/diff_engine.h"
#include "ops/diff_stats.h"
#include "repo/column_view.h"
#include "tree/record_tree.h"
#include "tree/tree_merge.h"

namespace hangar {
namespace detail {
namespace {

struct SideState {
  std::map<std::string, ColumnBase> columns;  // staged columns: roots in the overlay store
};

// The staged samples of `column` as sorted mutations of its base tree.
std::vector<Mutation> staged_mutations(const RepoState& st, const lmdb::Txn& txn,
                                       const std::string& column) {
  std::vector<Mutation> out;
  st.staging.for_each_sample(txn, column, [&](ByteView key, const StagedSample& s) {
    out.push_back(Mutation{to_bytes(key), s});
    return true;
  });
  return out;
}

SideState load_side(const RepoState& st, const lmdb::Txn& txn, OverlayPageStore& overlay,
                    const DiffSide& side) {
  SideState s;
  if (side.kind == DiffSide::Kind::Commit) s.columns = commit_columns(st, txn, side.commit);
  if (side.kind != DiffSide::Kind::Staged) return s;
  s.columns = staged_columns(st, txn);
  for (const auto& name : st.staging.sample_columns(txn)) {
    auto it = s.columns.find(name);
    if (it == s.columns.end()) continue;
    // What the next commit will hold, built in memory from the staged delta.
    const TreeStats t = apply_mutations(overlay, it->second.root, staged_mutations(st, txn, name));
    it->second.root = t.root;
    it->second.count = t.count;
    it->second.nbytes = t.nbytes;
  }
  return s;
}

class Differ {
 public:
  Differ(const RepoState& st, const lmdb::Txn& txn, PageStore& pages, DiffDetail detail)
      : st_(st), txn_(txn), pages_(pages), detail_(detail) {}

  // The changes of one column; f or t is null when the column is absent on that side.
  ColumnDiff column(const ColumnBase* f, const ColumnBase* t) {
    ColumnDiff out;
    if (detail_ == DiffDetail::Counts && (!f || !t)) {
      // One-sided column: its totals are known, nothing to walk.
      if (f) out.counts.deleted = f->count;
      if (t) out.counts.added = t->count;
      return out;
    }
    diff_trees(pages_, f ? f->root : Digest{}, t ? t->root : Digest{},
               [&](ByteView key, const std::optional<RecordValue>& fv,
                   const std::optional<RecordValue>& tv) { record(out, key, fv, tv, f, t); });
    return out;
  }

 private:
  void record(ColumnDiff& out, ByteView key, const std::optional<RecordValue>& fv,
              const std::optional<RecordValue>& tv, const ColumnBase* f, const ColumnBase* t) {
    const bool keys = detail_ != DiffDetail::Counts;
    if (!fv) {
      ++out.counts.added;
      if (keys) out.added.push_back(sample_key(t, key));
    } else if (!tv) {
      ++out.counts.deleted;
      if (keys) out.deleted.push_back(sample_key(f, key));
    } else {
      ++out.counts.mutated;
      if (!keys) return;
      MutatedSample m{sample_key(t, key), std::nullopt};
      if (detail_ == DiffDetail::Stats) m.stats = stats(fv->sample, tv->sample);
      out.mutated.push_back(std::move(m));
    }
  }

  static SampleKey sample_key(const ColumnBase* c, ByteView key) {
    auto [k, sub] = split_record_key(c->schema, key);
    return SampleKey{std::move(k), std::move(sub)};
  }

  std::optional<ElementDiff> stats(const SampleId& from, const SampleId& to) {
    const Descriptor a = st_.descriptor_of(txn_, from), b = st_.descriptor_of(txn_, to);
    if (a.dtype != b.dtype || a.shape != b.shape) return std::nullopt;
    try {
      if (!reader_) reader_.emplace(st_.chunks.reader());
      const Tensor ta = read_sample(*reader_, a), tb = read_sample(*reader_, b);
      return element_diff(ta.view(), tb.view());
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotLocal) return std::nullopt;
      throw;
    }
  }

  const RepoState& st_;
  const lmdb::Txn& txn_;
  PageStore& pages_;
  DiffDetail detail_;
  std::optional<storage::ChunkReader> reader_;  // opened by the first --stat read
};

void diff_schemas(const SideState& f, const SideState& t, SchemaDiff& out) {
  for (const auto& [name, c] : t.columns) {
    auto it = f.columns.find(name);
    if (it == f.columns.end()) {
      out.added.push_back(name);
    } else if (it->second.schema_id != c.schema_id) {
      out.mutated.push_back(name);
    }
  }
  for (const auto& [name, c] : f.columns)
    if (!t.columns.count(name)) out.deleted.push_back(name);
}

const ColumnBase* find(const SideState& s, const std::string& name) {
  auto it = s.columns.find(name);
  return it == s.columns.end() ? nullptr : &it->second;
}

}  // namespace

DiffResult compute_diff(const RepoState& st, const lmdb::Txn& txn, PageStore& pages,
                        const DiffSpec& spec) {
  DiffResult r{spec.from, spec.to, {}, {}};
  if (spec.from.kind == DiffSide::Kind::Staged && spec.to.kind == DiffSide::Kind::Staged) return r;
  OverlayPageStore overlay(pages);  // staged trees: never written to the repository
  const SideState f = load_side(st, txn, overlay, spec.from);
  const SideState t = load_side(st, txn, overlay, spec.to);
  diff_schemas(f, t, r.schema);
  std::set<std::string> names;
  for (const auto* s : {&f, &t})
    for (const auto& [name, c] : s->columns) names.insert(name);
  Differ differ(st, txn, overlay, spec.detail);
  for (const auto& name : names) {
    const ColumnBase* fc = find(f, name);
    const ColumnBase* tc = find(t, name);
    if (fc && tc && fc->root == tc->root) continue;
    ColumnDiff d = differ.column(fc, tc);
    if (d.counts.total() != 0) r.columns.emplace(name, std::move(d));
  }
  return r;
}

}  // namespace detail

DiffResult Repository::diff(const DiffSpec& spec) const {
  auto txn = state_->meta.begin_read();
  TxnPageStore pages(state_->objects, txn);
  return detail::compute_diff(*state_, txn, pages, spec);
}

ShowResult Repository::show(const Digest& commit) const {
  auto txn = state_->meta.begin_read();
  ShowResult r{commit, state_->load_commit(txn, commit), {}};
  DiffSpec spec{DiffSide::empty(), DiffSide::at(commit), DiffDetail::Counts};
  if (!r.commit.parents.empty()) spec.from = DiffSide::at(r.commit.parents.front());
  TxnPageStore pages(state_->objects, txn);
  r.changes = detail::compute_diff(*state_, txn, pages, spec);
  return r;
}

}  // namespace hangar
