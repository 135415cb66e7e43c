// Staging batches of prepared samples, and their undo.
#include "repo/stage_batch.h"

#include <hangar/error.h>

#include <algorithm>

#include "model/record_key.h"
#include "repo/backend_choice.h"
#include "repo/column_view.h"
#include "tree/record_tree.h"

namespace hangar::detail {

std::size_t stage_samples(RepoState& st, const std::string& column,
                          std::vector<std::pair<Bytes, PreparedSample>>& samples, StageUndo* undo) {
  st.require_write();
  storage::BackendCode backend;  // where this column's chunks go (backend_choice.h)
  {
    auto txn = st.meta.begin_read();
    auto cols = staged_columns(st, txn);
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
  const std::size_t fresh = st.chunks.write(encoded, backend);
  const StageUndo::Mark undo_mark = undo ? undo->mark() : StageUndo::Mark{};
  st.meta.write([&](lmdb::WriteTxn& txn) {
    auto cols = staged_columns(st, txn);
    auto it = cols.find(column);
    if (it == cols.end()) fail(ErrorCode::NotFound, "no column '" + column + "'");
    TxnPageStore pages(st.objects, txn, &txn);
    if (undo) undo->truncate(undo_mark);  // a replayed write starts over
    for (const auto& [key, s] : samples) {
      if (undo) undo->add(key, st.staging.find_sample(txn, column, key));
      if (!s.descriptor.empty()) st.objects.put(txn, s.descriptor);  // not for inline samples
      const RecordValue value = s.value();
      std::optional<RecordValue> old;
      if (!it->second.root.is_zero()) old = find_record(pages, it->second.root, key);
      if (old && *old == value)
        st.staging.erase_sample(txn, column, key);
      else
        st.staging.put_sample(txn, column, key, value);
    }
  });
  return fresh;
}

void unstage(RepoState& st, const std::string& column, const StageUndo& undo) {
  st.meta.write([&](lmdb::WriteTxn& txn) {
    undo.for_each_reverse([&](ByteView key, const std::optional<StagedSample>& previous) {
      if (previous)
        st.staging.put_sample(txn, column, key, *previous);
      else
        st.staging.erase_sample(txn, column, key);
    });
  });
}

void clear_staged_samples(RepoState& st, const std::string& column) {
  constexpr std::size_t kPerTxn = 65536;
  for (bool more = true; more;) {
    st.meta.write([&](lmdb::WriteTxn& txn) {
      std::vector<Bytes> keys;
      st.staging.for_each_sample(txn, column, [&](ByteView key, const StagedSample&) {
        keys.emplace_back(key.begin(), key.end());
        return keys.size() < kPerTxn;
      });
      for (const Bytes& k : keys) st.staging.erase_sample(txn, column, k);
      more = keys.size() == kPerTxn;
    });
  }
}

void StageUndo::add(ByteView key, const std::optional<StagedSample>& previous) {
  if (key.size() > kMaxRecordKeyBytes)
    fail(ErrorCode::Internal, "undo of a record key of " + std::to_string(key.size()) + " bytes");
  keys_.insert(keys_.end(), key.begin(), key.end());
  keys_.push_back(static_cast<std::byte>(key.size() & 0xff));
  keys_.push_back(static_cast<std::byte>(key.size() >> 8));
  if (previous) previous_.emplace_back(keys_.size(), *previous);
}

void StageUndo::truncate(Mark m) {
  keys_.resize(std::min(m.keys, keys_.size()));
  previous_.resize(std::min(m.previous, previous_.size()));
}

void StageUndo::for_each_reverse(
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

}  // namespace hangar::detail
