// MetaStore: content-addressed objects (commits, schemas, descriptors, record-tree pages) in
// the meta env's `objects` table, keyed by the 32-byte digest (SHA-256) of their canonical bytes.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/storage/lmdb.h>

#include <optional>
#include <string_view>

#include "model/object_kind.h"
#include "tree/record_tree.h"

namespace hangar {

namespace lmdb = storage::lmdb;

class MetaStore {
 public:
  explicit MetaStore(lmdb::Table table) : table_(table) {}

  // Stores `canonical` (idempotent) and returns its digest.
  Digest put(lmdb::WriteTxn& txn, ByteView canonical) const;
  // The object's bytes; the view lives until the txn ends or writes. nullopt when absent.
  // Throws: Corrupt when the stored bytes are not of `kind`.
  std::optional<ByteView> find(const lmdb::Txn& txn, ObjectType kind, const Digest& id) const;
  // Throws: NotFound "<kind> <hex> not found", Corrupt.
  ByteView get(const lmdb::Txn& txn, ObjectType kind, const Digest& id) const;
  bool contains(const lmdb::Txn& txn, const Digest& id) const;

  lmdb::Table table() const { return table_; }

 private:
  lmdb::Table table_;
};

// Record-tree pages through one txn (read-only when `write` is null).
class TxnPageStore final : public PageStore {
 public:
  TxnPageStore(const MetaStore& store, const lmdb::Txn& txn, lmdb::WriteTxn* write = nullptr)
      : store_(store), txn_(txn), write_(write) {}
  ByteView get_page(const Digest& id) override;
  void put_page(const Digest& id, ByteView bytes) override;
  // Readers that walk many pages (a whole-column scan reads a page of the meta env per ~128
  // records, and the kernel maps more than the page at each fault): keep what they map of
  // `env` within a lmdb::ResidentBudget of kReleaseBytes, checked every kPagesPerCheck pages.
  // Views stay valid (released pages fault back in from the page cache).
  void release_every(const lmdb::Env* env) noexcept { release_env_ = env; }
  static constexpr std::uint32_t kPagesPerCheck = 32;
  static constexpr std::uint64_t kReleaseBytes = std::uint64_t{4} << 20;

 private:
  const MetaStore& store_;
  const lmdb::Txn& txn_;
  lmdb::WriteTxn* write_;
  const lmdb::Env* release_env_ = nullptr;
  lmdb::ResidentBudget budget_{kReleaseBytes, kPagesPerCheck};
};

}  // namespace hangar
