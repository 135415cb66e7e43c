// Backend "l0": chunk bytes in an LMDB env keyed by digest.
#include "lmdb_chunk_store.h"

#include <hangar/base/checksum.h>
#include <hangar/error.h>

#include <cstring>

namespace hangar::storage {
namespace {

ByteView key_of(const ChunkLocation& loc) {
  if (loc.backend_record.size() != Digest::kSize)
    fail(ErrorCode::Corrupt,
         "chunk location for backend 'l0' has a " + std::to_string(loc.backend_record.size()) +
             "-byte record, expected " + std::to_string(Digest::kSize),
         Hint{.action = HintAction::Fsck});
  return loc.backend_record;
}

std::string hex_of(ByteView key) {
  return key.size() == Digest::kSize ? Digest::from_bytes(key).hex() : std::string("?");
}

[[noreturn]] void missing(ByteView key, const lmdb::Env& env) {
  fail(ErrorCode::Corrupt,
       "chunk " + hex_of(key) + " is indexed but missing from '" + env.path().string() + "'",
       Hint{.action = HintAction::Fsck});
}

ByteView checked_size(ByteView value, const ChunkLocation& loc) {
  if (value.size() != loc.stored_size)
    fail(ErrorCode::Corrupt,
         "chunk " + hex_of(loc.backend_record) + " has " + std::to_string(value.size()) +
             " stored bytes, expected " + std::to_string(loc.stored_size),
         Hint{.action = HintAction::Fsck});
  return value;
}

class LmdbReader final : public ChunkStore::Reader {
 public:
  LmdbReader(const lmdb::Env* env, lmdb::Table table) : env_(env), table_(table) {}

  ByteView stored(const ChunkLocation& loc) override {
    ByteView key = key_of(loc);
    // Keep the resident set flat while reading a whole store (as the l1 reader does).
    if (served_ >= kReleaseEvery) {
      served_ = 0;
      env_->release_mapped_pages();
    }
    served_ += loc.stored_size;
    if (!txn_) {
      txn_.emplace(env_->begin_read());
    } else if (txn_->is_reset()) {
      txn_->renew();
    }
    auto value = txn_->get(table_, key);
    if (!value) {  // flushed after our snapshot was taken?
      txn_->refresh();
      value = txn_->get(table_, key);
      if (!value) missing(key, *env_);
    }
    return checked_size(*value, loc);
  }
  void refresh() override {
    if (txn_) txn_->refresh();
  }
  void release() noexcept override {
    if (txn_) txn_->reset();
  }

 private:
  static constexpr std::uint64_t kReleaseEvery = std::uint64_t{16} << 20;  // bytes served
  const lmdb::Env* env_;
  lmdb::Table table_;
  std::optional<lmdb::ReadTxn> txn_;
  std::uint64_t served_ = 0;
};

}  // namespace

std::unique_ptr<LmdbChunkStore> LmdbChunkStore::open(const std::filesystem::path& chunks_dir,
                                                     bool read_only) {
  lmdb::EnvOptions options;
  options.read_only = read_only;
  return std::make_unique<LmdbChunkStore>(
      lmdb::Env::open(chunks_dir / kDirName, {kTable}, options));
}

LmdbChunkStore::LmdbChunkStore(lmdb::Env env) : env_(std::move(env)), table_(env_.table(kTable)) {}

ChunkLocation LmdbChunkStore::append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                                     ByteView stored) {
  if (stored.size() > kMaxChunkBytes || raw_size > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument, "chunk " + id.hex() + " exceeds the chunk size limit");
  try {
    if (!pending_) pending_.emplace(env_.begin_write());
    MutableByteView dst = pending_->put_reserve(table_, id.view(), stored.size());
    if (!stored.empty()) std::memcpy(dst.data(), stored.data(), stored.size());
  } catch (...) {
    pending_.reset();  // an LMDB error poisons the txn; drop it whole
    throw;
  }
  return ChunkLocation{
      BackendCode::Lmdb,   codec,          raw_size, static_cast<std::uint32_t>(stored.size()),
      to_bytes(id.view()), xxh3_64(stored)};
}

void LmdbChunkStore::flush() {
  if (!pending_) return;
  lmdb::WriteTxn txn = std::move(*pending_);
  pending_.reset();
  txn.commit();
}

void LmdbChunkStore::delete_chunks(std::span<const Digest> ids) {
  if (ids.empty()) return;
  env_.write([&](lmdb::WriteTxn& txn) {
    for (const Digest& id : ids) txn.del(table_, id.view());
  });
}

void LmdbChunkStore::read(const ChunkLocation& loc, MutableByteView out) const {
  if (out.size() != loc.stored_size)
    fail(ErrorCode::InvalidArgument, "chunk read buffer has " + std::to_string(out.size()) +
                                         " bytes, the chunk stores " +
                                         std::to_string(loc.stored_size));
  ByteView key = key_of(loc);
  lmdb::ReadTxn txn = env_.begin_read();
  auto value = txn.get(table_, key);
  if (!value) missing(key, env_);
  ByteView v = checked_size(*value, loc);
  if (!v.empty()) std::memcpy(out.data(), v.data(), v.size());
}

bool LmdbChunkStore::verify(const ChunkLocation& loc) const {
  if (loc.backend_record.size() != Digest::kSize) return false;
  lmdb::ReadTxn txn = env_.begin_read();
  auto value = txn.get(table_, loc.backend_record);
  return value && value->size() == loc.stored_size;
}

std::unique_ptr<ChunkStore::Reader> LmdbChunkStore::open_reader() const {
  return std::make_unique<LmdbReader>(&env_, table_);
}

}  // namespace hangar::storage
