// Diff of two repository states (commits, the staged state, or nothing), and show.
//
// Commit vs commit: per column, diff_trees of the two record trees, which skips every subtree
// the trees share, so the pages read grow with the number of changed keys, not with N.
// A staged side is its base tree (HEAD's, or empty for a re-created column) with the staged
// samples on top. Its staged samples (O(staged changes)) are held in memory and merged, in key
// order, into the stream of diff_trees(other side, base): a staged key replaces the base's
// value, and a staged key the stream does not mention has the same value on the other side as
// in the base, found with one find_record. Staged vs HEAD (the common case) has equal trees,
// so it costs one lookup per staged key and nothing else.
#include "diff_engine.h"

#include <hangar/error.h>
#include <hangar/repository.h>

#include <set>

#include "diff_stats.h"

namespace hangar {
namespace detail {
namespace {

using StagedList = std::vector<std::pair<Bytes, StagedSample>>;
using EmitFn = std::function<void(ByteView key, const std::optional<RecordValue>& plain,
                                  const std::optional<RecordValue>& overlaid)>;

struct SideState {
  std::map<std::string, ColumnBase> columns;
  std::set<std::string> overlaid;  // columns with staged samples on top of their base
};

SideState load_side(const RepoState& st, const lmdb::Txn& txn, const DiffSide& side) {
  SideState s;
  if (side.kind == DiffSide::Kind::Commit) s.columns = st.commit_columns(txn, side.commit);
  if (side.kind != DiffSide::Kind::Staged) return s;
  s.columns = st.staged_columns(txn);
  for (auto& name : st.staging.sample_columns(txn))
    if (s.columns.count(name)) s.overlaid.insert(std::move(name));
  return s;
}

// Changes between tree `plain` and tree `under` with `staged` on top, in key order.
void walk_overlay(PageStore& pages, const Digest& plain, const Digest& under,
                  const StagedList& staged, const EmitFn& emit) {
  std::size_t i = 0;
  auto staged_only = [&](const std::pair<Bytes, StagedSample>& e) {
    // Not in the tree diff: `plain` holds what `under` holds.
    std::optional<RecordValue> p;
    if (!plain.is_zero()) p = find_record(pages, plain, e.first);
    if (p != e.second) emit(e.first, p, e.second);
  };
  diff_trees(pages, plain, under,
             [&](ByteView key, const std::optional<RecordValue>& p,
                 const std::optional<RecordValue>& u) {
               while (i < staged.size() && compare_keys(staged[i].first, key) < 0)
                 staged_only(staged[i++]);
               if (i < staged.size() && compare_keys(staged[i].first, key) == 0) {
                 if (p != staged[i].second) emit(key, p, staged[i].second);
                 ++i;
               } else {
                 emit(key, p, u);
               }
             });
  while (i < staged.size()) staged_only(staged[i++]);
}

class Differ {
 public:
  Differ(const RepoState& st, const lmdb::Txn& txn, PageStore& pages, DiffDetail detail)
      : st_(st), txn_(txn), pages_(pages), detail_(detail) {}

  // The changes of one column; f or t is null when the column is absent on that side.
  ColumnDiff column(const std::string& name, const ColumnBase* f, bool f_staged,
                    const ColumnBase* t, bool t_staged) {
    ColumnDiff out;
    if (detail_ == DiffDetail::Counts && !f_staged && !t_staged && (!f || !t)) {
      // One-sided column: its totals are in the commit, nothing to walk.
      if (f) out.counts.deleted = f->count;
      if (t) out.counts.added = t->count;
      return out;
    }
    const Digest f_root = f ? f->root : Digest{}, t_root = t ? t->root : Digest{};
    auto emit = [&](ByteView key, const std::optional<RecordValue>& fv,
                    const std::optional<RecordValue>& tv) { record(out, key, fv, tv, f, t); };
    if (!f_staged && !t_staged) {
      diff_trees(pages_, f_root, t_root, emit);
    } else if (t_staged) {
      walk_overlay(pages_, f_root, t_root, staged(name), emit);
    } else {
      walk_overlay(pages_, t_root, f_root, staged(name),
                   [&](ByteView key, const std::optional<RecordValue>& tv,
                       const std::optional<RecordValue>& fv) { emit(key, fv, tv); });
    }
    return out;
  }

 private:
  StagedList staged(const std::string& column) const {
    StagedList out;
    st_.staging.for_each_sample(txn_, column, [&](ByteView key, const StagedSample& s) {
      out.emplace_back(to_bytes(key), s);
      return true;
    });
    return out;
  }

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

  std::optional<ElementDiff> stats(const Digest& from, const Digest& to) {
    const Descriptor a = st_.load_descriptor(txn_, from), b = st_.load_descriptor(txn_, to);
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
  const SideState f = load_side(st, txn, spec.from);
  const SideState t = load_side(st, txn, spec.to);
  if (spec.from.kind == DiffSide::Kind::Staged && spec.to.kind == DiffSide::Kind::Staged) return r;
  diff_schemas(f, t, r.schema);
  std::set<std::string> names;
  for (const auto* s : {&f, &t})
    for (const auto& [name, c] : s->columns) names.insert(name);
  Differ differ(st, txn, pages, spec.detail);
  for (const auto& name : names) {
    const ColumnBase* fc = find(f, name);
    const ColumnBase* tc = find(t, name);
    const bool f_staged = f.overlaid.count(name) != 0, t_staged = t.overlaid.count(name) != 0;
    if (fc && tc && !f_staged && !t_staged && fc->root == tc->root) continue;
    ColumnDiff d = differ.column(name, fc, f_staged, tc, t_staged);
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
