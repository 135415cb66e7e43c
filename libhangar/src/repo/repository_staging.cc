// Repository: staging samples and columns, status, commit, reset.
#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/repository.h>

#include <chrono>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "model/record_key.h"
#include "repo/backend_choice.h"
#include "repo/column_view.h"
#include "repo/repo_state.h"
#include "repo/stage_batch.h"
#include "tree/record_tree.h"

namespace hangar {

void Repository::create_column(const ColumnSchema& schema) {
  state_->require_write();
  validate_schema(schema);
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    if (staged_columns(*state_, txn).count(schema.name))
      fail(ErrorCode::AlreadyExists, "column '" + schema.name + "' already exists");
    Digest id = state_->objects.put(txn, encode_schema(schema));
    state_->staging.clear_samples(txn, schema.name);
    state_->staging.set_column(txn, schema.name, {StagedColumn::Kind::Created, id});
  });
}

void Repository::delete_column(std::string_view name) {
  state_->require_write();
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    const std::string n(name);
    if (!staged_columns(*state_, txn).count(n))
      fail(ErrorCode::NotFound, "no column '" + n + "'", Hint{.action = HintAction::ColumnList});
    state_->staging.clear_samples(txn, n);
    if (commit_columns(*state_, txn, state_->head(txn)).count(n))
      state_->staging.set_column(txn, n, {StagedColumn::Kind::Deleted, {}});
    else
      state_->staging.erase_column(txn, n);
  });
}

namespace {

// Staged samples a commit applies at a time (~100 bytes of memory each while applied): a
// commit of 10^6 staged samples needs ~6 MB for them, not ~260 MB (decision 0006).
constexpr std::size_t kCommitBatch = 65536;

// The schema `column` has in the staged view. Throws: NotFound.
ColumnSchema staged_schema(const detail::RepoState& st, const std::string& column) {
  auto txn = st.meta.begin_read();
  auto cols = staged_columns(st, txn);
  auto it = cols.find(column);
  if (it == cols.end())
    fail(ErrorCode::NotFound, "no column '" + column + "'",
         Hint{.action = HintAction::CreateColumn});
  return std::move(it->second.schema);
}

// `samples` keyed by record key and cut into chunks, in input order. Checks every key and
// schema fit first (cheap), then encodes. Throws: InvalidArgument naming the sample.
std::vector<std::pair<Bytes, PreparedSample>> prepare_batch(const ColumnSchema& schema,
                                                            std::span<const SampleWrite> samples) {
  std::vector<std::pair<Bytes, PreparedSample>> batch;
  batch.reserve(samples.size());
  for (const SampleWrite& s : samples) {
    batch.emplace_back(detail::record_key(schema, s.key, s.subkey), PreparedSample{});
    check_fits(schema, s.tensor.dtype, s.tensor.shape, s.key.to_string());
  }
  const ChunkOptions options = chunk_options(schema);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    try {
      batch[i].second = prepare_sample(samples[i].tensor, options);
    } catch (const Error& e) {
      throw e.with_context("cannot stage " +
                           detail::sample_name(schema.name, samples[i].key, samples[i].subkey));
    }
  }
  return batch;
}

}  // namespace

void Repository::put(std::string_view column, const Key& key, const std::optional<Key>& subkey,
                     const TensorView& tensor) {
  const SampleWrite sample{key, subkey, tensor};
  put_many(column, {&sample, 1});
}

void Repository::put_many(std::string_view column, std::span<const SampleWrite> samples) {
  state_->require_write();
  const std::string col(column);
  const ColumnSchema schema = staged_schema(*state_, col);
  if (samples.empty()) return;
  auto batch = prepare_batch(schema, samples);
  stage_samples(*state_, col, batch);  // applied in order: a repeated key ends with its last
}

void Repository::remove(std::string_view column,
                        const std::vector<std::pair<Key, std::optional<Key>>>& keys) {
  state_->require_write();
  const std::string col(column);
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    auto cols = staged_columns(*state_, txn);
    auto it = cols.find(col);
    if (it == cols.end())
      fail(ErrorCode::NotFound, "no column '" + col + "'", Hint{.action = HintAction::ColumnList});
    const detail::ColumnBase& base = it->second;
    TxnPageStore pages(state_->objects, txn, &txn);
    for (const auto& [key, sub] : keys) {
      Bytes rk = detail::record_key(base.schema, key, sub);
      auto staged = state_->staging.find_sample(txn, col, rk);
      std::optional<RecordValue> old;
      if (!base.root.is_zero()) old = find_record(pages, base.root, rk);
      const bool present = staged ? staged->has_value() : old.has_value();
      if (!present)
        fail(ErrorCode::NotFound,
             "no sample " + detail::sample_name(col, key, sub) + "; nothing was removed");
      if (old)
        state_->staging.put_sample(txn, col, rk, std::nullopt);
      else
        state_->staging.erase_sample(txn, col, rk);
    }
  });
}

StatusReport Repository::status() const {
  auto txn = state_->meta.begin_read();
  StatusReport r;
  r.branch = state_->refs.head_branch(txn);
  r.head = state_->head(txn);
  r.detached = state_->refs.read(txn, RefStore::kDetachedRef).has_value();
  const auto head_cols = commit_columns(*state_, txn, r.head);
  for (const auto& [name, sc] : state_->staging.columns(txn)) {
    if (sc.kind == StagedColumn::Kind::Deleted) {
      r.columns_deleted.push_back(name);
    } else if (sc.kind == StagedColumn::Kind::Changed) {
      r.columns_changed.push_back(name);
    } else {
      r.columns_added.push_back(name);
      if (head_cols.count(name)) r.columns_deleted.push_back(name);
    }
  }
  const auto cols = staged_columns(*state_, txn);
  for (const auto& name : state_->staging.sample_columns(txn)) {
    auto it = cols.find(name);
    if (it == cols.end()) continue;
    r.staged[name] = staged_delta(*state_, txn, name, it->second).counts;
  }
  return r;
}

Digest Repository::commit(std::string_view message) {
  state_->require_write();
  if (message.empty()) fail(ErrorCode::InvalidArgument, "empty commit message; pass -m MESSAGE");
  if (const auto at = detached())
    fail(ErrorCode::InvalidArgument,
         "cannot commit: HEAD is detached at " + at->short_hex() + " (a read-only checkout)",
         Hint{.action = HintAction::CheckoutNewBranch});
  const UserIdentity who = user();
  std::string branch;
  std::optional<Digest> head;
  std::vector<CommitColumn> columns;
  std::set<std::string> changed;  // columns with staged samples
  {
    auto txn = state_->meta.begin_read();
    if (state_->staging.empty(txn))
      fail(ErrorCode::InvalidArgument,
           "nothing to commit on '" + state_->refs.head_branch(txn) + "'",
           Hint{.action = HintAction::Stage});
    branch = state_->refs.head_branch(txn);
    head = state_->head(txn);
    for (const auto& [name, base] : staged_columns(*state_, txn))
      columns.push_back(CommitColumn{name, base.schema_id, base.root, base.count, base.nbytes});
    for (std::string& name : state_->staging.sample_columns(txn)) changed.insert(std::move(name));
  }
  // The new record trees, from the staged samples in key-ordered batches, one write txn per
  // batch: record trees are canonical, so applying them batch by batch gives the tree of
  // applying them at once. A txn holds the pages it writes on the heap until it commits, so
  // one txn for a commit of 10^6 samples took ~130 MB; a batch's txn takes a few MB. The pages
  // are content-addressed objects that nothing reaches before the commit txn below: a crash
  // in between leaves only unreachable objects (gc drops them), as do the pages on the path to
  // each batch's last key that the next batch rewrites. We are the only writer (flock), so the
  // staged samples and HEAD do not change in between.
  std::vector<Mutation> muts;  // one batch's; kept for the next (no new pages to fault in)
  muts.reserve(kCommitBatch);
  for (CommitColumn& col : columns) {
    Bytes from;
    for (bool more = changed.count(col.name) > 0; more;) {
      TreeStats t{col.records, col.count, col.nbytes};
      Bytes next;
      state_->meta.write([&](lmdb::WriteTxn& txn) {
        muts.clear();
        next.clear();
        state_->staging.for_each_sample(
            txn, col.name,
            [&](ByteView key, const StagedSample& s) {
              if (muts.size() == kCommitBatch) {
                next.assign(key.begin(), key.end());
                return false;
              }
              muts.push_back(Mutation{Bytes(key.begin(), key.end()), s});
              return true;
            },
            from);
        t = TreeStats{col.records, col.count, col.nbytes};
        if (muts.empty()) return;
        TxnPageStore pages(state_->objects, txn, &txn);
        t = apply_mutations(pages, col.records, muts);
      });
      col.records = t.root;
      col.count = t.count;
      col.nbytes = t.nbytes;
      more = !next.empty();
      from = std::move(next);
    }
  }
  Commit c;
  if (head) c.parents.push_back(*head);
  c.columns = std::move(columns);
  c.author = who.name;
  c.email = who.email;
  c.time = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  c.message = std::string(message);
  Digest id;
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    id = state_->objects.put(txn, encode_commit(c));
    if (!state_->refs.compare_and_swap(txn, RefStore::branch_ref(branch), head, id))
      fail(ErrorCode::Internal, "branch '" + branch + "' moved during commit");
    state_->staging.clear(txn);
    failpoint("commit-written");  // the txn is not committed yet
  });
  return id;
}

void Repository::reset() {
  state_->require_write();
  state_->meta.write([&](lmdb::WriteTxn& txn) { state_->staging.clear(txn); });
}

}  // namespace hangar
