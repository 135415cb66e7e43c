// The columns a view reads from, and the staged changes of one column.
#include "repo/column_view.h"

#include <hangar/error.h>

#include "tree/record_tree.h"

namespace hangar::detail {

std::map<std::string, ColumnBase> commit_columns(const RepoState& s, const lmdb::Txn& txn,
                                                 const std::optional<Digest>& commit) {
  std::map<std::string, ColumnBase> out;
  if (!commit) return out;
  for (const auto& c : s.load_commit(txn, *commit).columns)
    out[c.name] = ColumnBase{s.load_schema(txn, c.schema), c.schema, c.records, c.count, c.nbytes};
  return out;
}

std::map<std::string, ColumnBase> staged_columns(const RepoState& s, const lmdb::Txn& txn) {
  auto cols = commit_columns(s, txn, s.head(txn));
  for (const auto& [name, sc] : s.staging.columns(txn)) {
    if (sc.kind == StagedColumn::Kind::Deleted) {
      cols.erase(name);
    } else if (auto it = cols.find(name);
               sc.kind == StagedColumn::Kind::Changed && it != cols.end()) {
      it->second.schema = s.load_schema(txn, sc.schema);  // the records of HEAD stay
      it->second.schema_id = sc.schema;
    } else {
      cols[name] = ColumnBase{s.load_schema(txn, sc.schema), sc.schema, Digest{}, 0, 0};
    }
  }
  return cols;
}

ColumnDelta staged_delta(const RepoState& s, const lmdb::Txn& txn, const std::string& column,
                         const ColumnBase& base) {
  ColumnDelta d;
  TxnPageStore pages(s.objects, txn);
  s.staging.for_each_sample(txn, column, [&](ByteView key, const StagedSample& staged) {
    std::optional<RecordValue> old;
    if (!base.root.is_zero()) old = find_record(pages, base.root, key);
    if (old && staged) {
      ++d.counts.mutated;
      d.nbytes_change +=
          static_cast<std::int64_t>(staged->nbytes) - static_cast<std::int64_t>(old->nbytes);
    } else if (old) {
      ++d.counts.deleted;
      --d.count_change;
      d.nbytes_change -= static_cast<std::int64_t>(old->nbytes);
    } else if (staged) {
      ++d.counts.added;
      ++d.count_change;
      d.nbytes_change += static_cast<std::int64_t>(staged->nbytes);
    }
    return true;
  });
  return d;
}

}  // namespace hangar::detail
