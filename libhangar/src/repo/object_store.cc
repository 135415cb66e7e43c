// MetaStore and its page-store adapter.
#include "repo/object_store.h"

#include <hangar/error.h>

namespace hangar {

Digest MetaStore::put(lmdb::WriteTxn& txn, ByteView canonical) const {
  Digest id = digest_of(canonical);
  txn.put_if_absent(table_, id.view(), canonical);
  return id;
}

std::optional<ByteView> MetaStore::find(const lmdb::Txn& txn, ObjectType kind,
                                        const Digest& id) const {
  auto v = txn.get(table_, id.view());
  if (!v) return std::nullopt;
  bool page_ok = (kind == ObjectType::LeafPage || kind == ObjectType::InternalPage) &&
                 !v->empty() &&
                 (v->front() == std::byte{static_cast<std::uint8_t>(ObjectType::LeafPage)} ||
                  v->front() == std::byte{static_cast<std::uint8_t>(ObjectType::InternalPage)});
  if (v->empty() || (!page_ok && v->front() != std::byte{static_cast<std::uint8_t>(kind)}))
    fail(ErrorCode::Corrupt,
         "corrupt object " + id.hex() + ": expected a " + std::string(object_type_name(kind)));
  return v;
}

ByteView MetaStore::get(const lmdb::Txn& txn, ObjectType kind, const Digest& id) const {
  auto v = find(txn, kind, id);
  if (!v)
    fail(ErrorCode::NotFound, std::string(object_type_name(kind)) + " " + id.hex() + " not found");
  return *v;
}

bool MetaStore::contains(const lmdb::Txn& txn, const Digest& id) const {
  return txn.get(table_, id.view()).has_value();
}

ByteView TxnPageStore::get_page(const Digest& id) {
  if (release_env_) budget_.step(*release_env_);
  return store_.get(txn_, ObjectType::LeafPage, id);
}

void TxnPageStore::put_page(const Digest& id, ByteView bytes) {
  if (write_ == nullptr) fail(ErrorCode::Internal, "page write through a read-only txn");
  write_->put_if_absent(store_.table(), id.view(), bytes);
}

}  // namespace hangar
