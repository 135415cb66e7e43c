// RepoState helpers: loading objects, resolving column views, staging batches.
#include "repo_state.h"

#include <hangar/error.h>

#include <algorithm>

#include "backend_choice.h"

namespace hangar::detail {

void RepoState::require_write() const {
  if (mode == Repository::Mode::Read)
    fail(ErrorCode::Internal, "repository '" + root.string() + "' was opened read-only");
  if (mode == Repository::Mode::Shared && !lock)
    fail(ErrorCode::Internal,
         "repository '" + root.string() + "' is shared: take its writer lock to change it");
}

bool RepoState::may_lack_chunks() const {
  const auto& values = config.values;
  // store.url: a server whose chunk data lives in an object store (decision 0016).
  return fetcher != nullptr || !config.get("clone.remote").empty() ||
         !config.get("store.url").empty() || config.get("fetch.lazy") == "true" ||
         std::any_of(values.begin(), values.end(), [](const auto& kv) {
           return kv.first.starts_with("remote.") && kv.first.ends_with(".url");
         });
}

std::optional<Digest> RepoState::head(const lmdb::Txn& txn) const {
  if (auto detached = refs.read(txn, RefStore::kDetachedRef)) return detached;
  return refs.read(txn, RefStore::branch_ref(refs.head_branch(txn)));
}

Commit RepoState::load_commit(const lmdb::Txn& txn, const Digest& id) const {
  auto b = objects.find(txn, ObjectType::Commit, id);
  if (!b) fail(ErrorCode::NotFound, "commit " + id.hex() + " not found in '" + root.string() + "'");
  return decode_commit(*b);
}

ColumnSchema RepoState::load_schema(const lmdb::Txn& txn, const Digest& id) const {
  return decode_schema(objects.get(txn, ObjectType::Schema, id));
}

Descriptor RepoState::load_descriptor(const lmdb::Txn& txn, const Digest& id) const {
  descriptor_loads.fetch_add(1, std::memory_order_relaxed);
  return decode_descriptor(objects.get(txn, ObjectType::Descriptor, id));
}

Descriptor RepoState::descriptor_of(const lmdb::Txn& txn, const SampleId& sample) const {
  if (sample.is_inline()) return inline_descriptor(sample);
  return load_descriptor(txn, sample.digest());
}

std::map<std::string, ColumnBase> RepoState::commit_columns(
    const lmdb::Txn& txn, const std::optional<Digest>& commit) const {
  std::map<std::string, ColumnBase> out;
  if (!commit) return out;
  for (const auto& c : load_commit(txn, *commit).columns)
    out[c.name] = ColumnBase{load_schema(txn, c.schema), c.schema, c.records, c.count, c.nbytes};
  return out;
}

std::map<std::string, ColumnBase> RepoState::staged_columns(const lmdb::Txn& txn) const {
  auto cols = commit_columns(txn, head(txn));
  for (const auto& [name, sc] : staging.columns(txn)) {
    if (sc.kind == StagedColumn::Kind::Deleted) {
      cols.erase(name);
    } else if (auto it = cols.find(name);
               sc.kind == StagedColumn::Kind::Changed && it != cols.end()) {
      it->second.schema = load_schema(txn, sc.schema);  // the records of HEAD stay
      it->second.schema_id = sc.schema;
    } else {
      cols[name] = ColumnBase{load_schema(txn, sc.schema), sc.schema, Digest{}, 0, 0};
    }
  }
  return cols;
}

ColumnDelta RepoState::staged_delta(const lmdb::Txn& txn, const std::string& column,
                                    const ColumnBase& base) const {
  ColumnDelta d;
  TxnPageStore pages(objects, txn);
  staging.for_each_sample(txn, column, [&](ByteView key, const StagedSample& s) {
    std::optional<RecordValue> old;
    if (!base.root.is_zero()) old = find_record(pages, base.root, key);
    if (old && s) {
      ++d.counts.mutated;
      d.nbytes_change +=
          static_cast<std::int64_t>(s->nbytes) - static_cast<std::int64_t>(old->nbytes);
    } else if (old) {
      ++d.counts.deleted;
      --d.count_change;
      d.nbytes_change -= static_cast<std::int64_t>(old->nbytes);
    } else if (s) {
      ++d.counts.added;
      ++d.count_change;
      d.nbytes_change += static_cast<std::int64_t>(s->nbytes);
    }
    return true;
  });
  return d;
}

std::size_t RepoState::stage_samples(const std::string& column,
                                     std::vector<std::pair<Bytes, PreparedSample>>& samples,
                                     Undo* undo) {
  require_write();
  storage::BackendCode backend;  // where this column's chunks go (backend_choice.h)
  {
    auto txn = meta.begin_read();
    auto cols = staged_columns(txn);
    auto it = cols.find(column);
    if (it == cols.end()) fail(ErrorCode::NotFound, "no column '" + column + "'");
    backend = write_backend(it->second.schema);
  }
  std::vector<storage::EncodedChunk> encoded;
  for (auto& [key, s] : samples)
    for (auto& c : s.chunks) encoded.push_back(std::move(c));
  // Durability order: chunk bytes and their locations are committed before any record
  // references them; a crash in between leaves only unreferenced chunks (gc removes them).
  // This also indexes chunks the caller staged earlier (Chunks::stage), e.g. import's.
  const std::size_t fresh = chunks.write(encoded, backend);
  const Undo::Mark undo_mark = undo ? undo->mark() : Undo::Mark{};
  meta.write([&](lmdb::WriteTxn& txn) {
    auto cols = staged_columns(txn);
    auto it = cols.find(column);
    if (it == cols.end()) fail(ErrorCode::NotFound, "no column '" + column + "'");
    TxnPageStore pages(objects, txn, &txn);
    if (undo) undo->truncate(undo_mark);  // a replayed write starts over
    for (const auto& [key, s] : samples) {
      if (undo) undo->add(key, staging.find_sample(txn, column, key));
      if (!s.descriptor.empty()) objects.put(txn, s.descriptor);  // not for inline samples
      const RecordValue value = s.value();
      std::optional<RecordValue> old;
      if (!it->second.root.is_zero()) old = find_record(pages, it->second.root, key);
      if (old && *old == value)
        staging.erase_sample(txn, column, key);
      else
        staging.put_sample(txn, column, key, value);
    }
  });
  return fresh;
}

void RepoState::unstage(const std::string& column, const Undo& undo) {
  meta.write([&](lmdb::WriteTxn& txn) {
    undo.for_each_reverse([&](ByteView key, const std::optional<StagedSample>& previous) {
      if (previous)
        staging.put_sample(txn, column, key, *previous);
      else
        staging.erase_sample(txn, column, key);
    });
  });
}

void RepoState::clear_staged_samples(const std::string& column) {
  constexpr std::size_t kPerTxn = 65536;
  for (bool more = true; more;) {
    meta.write([&](lmdb::WriteTxn& txn) {
      std::vector<Bytes> keys;
      staging.for_each_sample(txn, column, [&](ByteView key, const StagedSample&) {
        keys.emplace_back(key.begin(), key.end());
        return keys.size() < kPerTxn;
      });
      for (const Bytes& k : keys) staging.erase_sample(txn, column, k);
      more = keys.size() == kPerTxn;
    });
  }
}

void RepoState::Undo::add(ByteView key, const std::optional<StagedSample>& previous) {
  if (key.size() > kMaxRecordKeyBytes)
    fail(ErrorCode::Internal, "undo of a record key of " + std::to_string(key.size()) + " bytes");
  keys_.insert(keys_.end(), key.begin(), key.end());
  keys_.push_back(static_cast<std::byte>(key.size() & 0xff));
  keys_.push_back(static_cast<std::byte>(key.size() >> 8));
  if (previous) previous_.emplace_back(keys_.size(), *previous);
}

void RepoState::Undo::truncate(Mark m) {
  keys_.resize(std::min(m.keys, keys_.size()));
  previous_.resize(std::min(m.previous, previous_.size()));
}

void RepoState::Undo::for_each_reverse(
    const std::function<void(ByteView, const std::optional<StagedSample>&)>& fn) const {
  std::size_t end = keys_.size();
  std::size_t prev = previous_.size();
  while (end > 0) {
    const std::size_t len = std::to_integer<std::size_t>(keys_[end - 2]) |
                            (std::to_integer<std::size_t>(keys_[end - 1]) << 8);
    const ByteView key(keys_.data() + end - 2 - len, len);
    if (prev > 0 && previous_[prev - 1].first == end) {
      fn(key, previous_[--prev].second);
    } else {
      fn(key, std::nullopt);
    }
    end -= len + 2;
  }
}

Bytes record_key(const ColumnSchema& schema, const Key& key, const std::optional<Key>& subkey) {
  if (schema.layout == Layout::Flat && subkey)
    fail(ErrorCode::InvalidArgument,
         "column '" + schema.name + "' is flat; a subkey is only for nested columns");
  if (schema.layout == Layout::Nested && !subkey)
    fail(ErrorCode::InvalidArgument, "column '" + schema.name +
                                         "' is nested; give a subkey (--subkey) for key '" +
                                         key.to_string() + "'");
  Bytes out = key.encoded();
  if (subkey) subkey->append_encoded(out);
  // Staged samples are keyed by column name + 0x00 + this record key in LMDB, whose keys hold
  // at most 511 bytes: 64 (name) + 1 + 446. Only nested keys can reach the limit.
  if (out.size() > kMaxRecordKeyBytes)
    fail(ErrorCode::InvalidArgument,
         "key '" + key.to_string() + "' and subkey of column '" + schema.name +
             "' are too long together (" + std::to_string(out.size()) +
             " encoded bytes, at most 446: about 440 characters for both); use shorter keys");
  return out;
}

std::pair<Key, std::optional<Key>> split_record_key(const ColumnSchema& schema, ByteView rk) {
  Key k = Key::decode_front(rk);
  std::optional<Key> sub;
  if (schema.layout == Layout::Nested) sub = Key::decode_front(rk);
  if (!rk.empty()) fail(ErrorCode::Corrupt, "corrupt record key in column '" + schema.name + "'");
  return {std::move(k), std::move(sub)};
}

std::string sample_name(const std::string& column, const Key& key, const std::optional<Key>& sub) {
  std::string s = "'" + column + "'/'" + key.to_string() + "'";
  if (sub) s += "/'" + sub->to_string() + "'";
  return s;
}

}  // namespace hangar::detail
