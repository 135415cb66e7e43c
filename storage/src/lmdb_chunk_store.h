// Backend "l0" (private to storage): chunk bytes as values in their own LMDB env, keyed by the
// chunk digest. backend_record = the 32-byte digest (= the LMDB key). Layout: <chunks>/lmdb/,
// table "chunks". See docs/format/location.md.
#pragma once

#include <hangar/storage/chunk_store.h>
#include <hangar/storage/lmdb.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>

namespace hangar::storage {

// Thread-safety: append/flush from one writer thread. read/verify/open_reader are safe from
// any number of threads concurrently, also while the writer appends (each read uses its own
// LMDB read txn; readers see only flushed chunks).
class LmdbChunkStore final : public ChunkStore {
 public:
  static constexpr const char* kDirName = "lmdb";
  static constexpr const char* kTable = "chunks";

  // Throws: NotFound (read_only and no env), Corrupt, Io.
  static std::unique_ptr<LmdbChunkStore> open(const std::filesystem::path& chunks_dir,
                                              bool read_only);
  explicit LmdbChunkStore(lmdb::Env env);

  BackendCode code() const override { return BackendCode::Lmdb; }
  // Writes into a write txn kept open until flush() (MDB_RESERVE, one copy). On failure the
  // pending txn is discarded, so earlier unflushed appends are dropped too.
  ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                       ByteView stored) override;
  // Commits the pending txn (fsync unless the env is no_sync).
  void flush() override;
  void read(const ChunkLocation& loc, MutableByteView out) const override;
  bool verify(const ChunkLocation& loc) const override;
  void release_mapped_pages() const noexcept override { env_.release_mapped_pages(); }
  // Zero-copy: views point into the LMDB map under a read txn the Reader keeps open.
  std::unique_ptr<Reader> open_reader() const override;

  // Deletes the chunks' values in one write txn (durable at commit).
  void delete_chunks(std::span<const Digest> ids) override;
  const lmdb::Env* lmdb_env() const noexcept override { return &env_; }

  lmdb::Env& env() noexcept { return env_; }

 private:
  lmdb::Env env_;
  lmdb::Table table_;
  std::optional<lmdb::WriteTxn> pending_;
};

}  // namespace hangar::storage
