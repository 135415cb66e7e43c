// Backend "l1" (private to storage): chunk bytes packed back to back into "segments", LMDB
// values of about 1 MiB keyed by a sequence number, in their own env <chunks>/segments/, table
// "segments"; each segment ends with the end offsets of its chunks (so verify() can check a
// location's exact extent). backend_record = u64 segment + u32 offset (LE); the length is the
// location's stored_size. Why: an LMDB value larger than ~2 KB takes whole 4 KiB pages of its
// own, so small chunks stored one per value ("l0") waste 10-40% of the disk.
// Format: docs/format/location.md, "Backend l1".
#pragma once

#include <hangar/storage/chunk_store.h>
#include <hangar/storage/lmdb.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace hangar::storage {

// Thread-safety: append/write_back/flush from one writer thread. read/verify/open_reader are
// safe from any number of threads, also while the writer appends (readers see flushed and
// written-back segments only).
class LmdbSegmentStore final : public ChunkStore {
 public:
  static constexpr const char* kDirName = "segments";
  static constexpr const char* kTable = "segments";
  // A segment is closed when the next chunk would take it past this size; a larger chunk gets
  // a segment of its own.
  static constexpr std::size_t kSegmentTarget = std::size_t{1} << 20;

  // Throws: NotFound (read_only and no env), Corrupt, Io.
  static std::unique_ptr<LmdbSegmentStore> open(const std::filesystem::path& chunks_dir,
                                                bool read_only);
  explicit LmdbSegmentStore(lmdb::Env env);

  BackendCode code() const override { return BackendCode::LmdbSegments; }
  // Copies the bytes into the open segment (memory: at most one segment plus what was appended
  // since the last write_back/flush). An empty chunk stores nothing (segment 0).
  // Throws: InvalidArgument (sizes), NoSpace, Io.
  ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                       ByteView stored) override;
  // Closes the open segment and commits: data pages fsynced, the LMDB meta page not (it becomes
  // durable with the next commit or flush). On failure every unflushed append is dropped.
  void write_back() override;
  // write_back(), then fsync of the meta page: everything appended is durable.
  void flush() override;
  void read(const ChunkLocation& loc, MutableByteView out) const override;
  // True if the segment exists and [offset, offset + stored_size) is exactly one of its chunks.
  bool verify(const ChunkLocation& loc) const override;
  void release_mapped_pages() const noexcept override { env_.release_mapped_pages(); }
  // Zero-copy views into the map; the reader drops its mapped pages every ~16 MiB it serves
  // (Env::release_mapped_pages), so reading a whole store does not grow the process's RSS.
  std::unique_ptr<Reader> open_reader() const override;

  // The segment id; nullopt for an empty chunk (segment 0).
  std::optional<std::uint64_t> container_of(const ChunkLocation& loc) const override;
  std::pair<std::uint64_t, std::uint64_t> place_of(const ChunkLocation& loc) const override;
  // Deletes the segments in one write txn, then syncs. The segment with the highest id is
  // replaced by an empty value instead (a tombstone), so its id is never handed out again: a
  // reader holding an old index snapshot can never find other bytes at its old location.
  void delete_containers(std::span<const std::uint64_t> ids) override;
  const lmdb::Env* lmdb_env() const noexcept override { return &env_; }
  // Every segment with bytes, from one read txn: stored_bytes = its data (the chunks' bytes),
  // disk_bytes = the whole value rounded up to LMDB pages; a malformed one is !readable.
  std::vector<ContainerInfo> containers(bool with_stored_bytes) const override;

 private:
  void close_segment();
  void drop_pending() noexcept;

  lmdb::Env env_;
  lmdb::Table table_;
  std::optional<lmdb::WriteTxn> pending_;
  Bytes open_;                       // bytes of the open (not yet written) segment
  std::vector<std::uint32_t> ends_;  // end offset of each chunk in it
  std::uint64_t next_ = 0;  // id of the open segment; 0 = read the last id from the env first
};

}  // namespace hangar::storage
