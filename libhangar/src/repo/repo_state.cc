// RepoState: the mode checks and the object loads.
#include "repo/repo_state.h"

#include <hangar/error.h>

#include <algorithm>

namespace hangar::detail {

void RepoState::require_write() const {
  if (mode == OpenMode::Read)
    fail(ErrorCode::Internal, "repository '" + root.string() + "' was opened read-only");
  if (mode == OpenMode::Shared && !lock)
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

}  // namespace hangar::detail
