// MetaStore and its page-store adapter.
#include "object_store.h"

#include <hangar/error.h>

namespace hangar {

std::string_view object_kind_name(ObjectType kind) noexcept {
  switch (kind) {
    case ObjectType::Commit:
      return "commit";
    case ObjectType::Schema:
      return "schema";
    case ObjectType::Descriptor:
      return "sample descriptor";
    case ObjectType::LeafPage:
    case ObjectType::InternalPage:
      return "record page";
  }
  return "object";
}

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
         "corrupt object " + id.hex() + ": expected a " + std::string(object_kind_name(kind)));
  return v;
}

ByteView MetaStore::get(const lmdb::Txn& txn, ObjectType kind, const Digest& id) const {
  auto v = find(txn, kind, id);
  if (!v)
    fail(ErrorCode::NotFound, std::string(object_kind_name(kind)) + " " + id.hex() + " not found");
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
