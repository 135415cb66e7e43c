// The staging area: the writer's uncommitted changes, as a delta over HEAD's trees, kept in
// the meta env (tables `staged_columns` and `staged_samples`) so that `commit` applies it and
// clears it in the same LMDB transaction that moves the branch (docs/decisions/0001).
//
// staged_samples: key = column name + 0x00 + record key (Key::encoded, + subkey for nested),
//                 value = 0x00 (tombstone) | 0x01 + record value (record_value.h: an inline
//                 sample or a descriptor id + varint nbytes, as in record-tree leaves).
// staged_columns: key = column name, value = 0x01 + schema digest (created or re-created:
//                 the column starts empty) | 0x02 (deleted).
// INVARIANT: a staged sample differs from the column's base (HEAD, or empty when re-created);
// writers erase the entry instead of staging a no-op.
#pragma once

#include <hangar/storage/lmdb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tree/record_tree.h"

namespace hangar {

namespace lmdb = storage::lmdb;

struct StagedColumn {
  // Changed: a column of HEAD with a new schema (import --add-classes); its records stay.
  enum class Kind : std::uint8_t { Created = 1, Deleted = 2, Changed = 3 };
  Kind kind = Kind::Created;
  Digest schema;  // Created and Changed
};

// nullopt value = tombstone (deleted).
using StagedSample = std::optional<RecordValue>;

class Staging {
 public:
  Staging(lmdb::Table columns, lmdb::Table samples) : columns_(columns), samples_(samples) {}

  std::optional<StagedColumn> find_column(const lmdb::Txn& txn, std::string_view name) const;
  std::map<std::string, StagedColumn> columns(const lmdb::Txn& txn) const;
  void set_column(lmdb::WriteTxn& txn, std::string_view name, const StagedColumn& c) const;
  void erase_column(lmdb::WriteTxn& txn, std::string_view name) const;

  // `found` is false when nothing is staged for the key.
  std::optional<StagedSample> find_sample(const lmdb::Txn& txn, std::string_view column,
                                          ByteView key) const;
  void put_sample(lmdb::WriteTxn& txn, std::string_view column, ByteView key,
                  const StagedSample& s) const;
  void erase_sample(lmdb::WriteTxn& txn, std::string_view column, ByteView key) const;
  // Removes every staged sample of `column`.
  void clear_samples(lmdb::WriteTxn& txn, std::string_view column) const;
  // Staged samples of `column` in key order, from the first key >= `from` (empty: all); stop
  // by returning false.
  void for_each_sample(const lmdb::Txn& txn, std::string_view column,
                       const std::function<bool(ByteView key, const StagedSample&)>& fn,
                       ByteView from = {}) const;
  // Names of columns with staged samples.
  std::vector<std::string> sample_columns(const lmdb::Txn& txn) const;
  bool empty(const lmdb::Txn& txn) const;
  void clear(lmdb::WriteTxn& txn) const;

  static StagedSample decode_sample(ByteView v);

 private:
  lmdb::Table columns_;
  lmdb::Table samples_;
};

}  // namespace hangar
