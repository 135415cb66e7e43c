// Backend "h0" (private to storage): chunk bytes appended to HDF5 pack files under
// <chunks>/hdf5/, readable by h5py with the zstd filter (32015) on HDF5_PLUGIN_PATH.
//
// Layout: docs/format/location.md (backend h0); why: docs/decisions/0003-*. A pack file
// pack-<16 hex>.h5 holds, per raw chunk size R, a group /r<R> with
//   data    uint8 [rows, R], HDF5 chunk [1, R], filter 32015 (zstd): row i = one hangar chunk,
//           written as-is with H5Dwrite_chunk (zstd chunks as the frame, filter mask 0; raw
//           chunks with filter mask 1 = "zstd skipped"), so an HDF5 read of row i gives the
//           chunk's raw bytes;
//   digest  uint8 [rows, 32]: row i = the chunk's digest (for tools and index recovery).
// backend_record = u64 pack id (LE) + u64 row (LE); pack id 0 = an empty chunk (nothing stored).
//
// Packs are write-once: flush() completes the pack being written (HDF5 flush, close, fsync of
// the file and the directory) and the next append starts a new one. HDF5 files are not crash
// safe while open for writing, so a pack holding indexed chunks is never opened for writing
// again; a crash can only damage the unflushed pack, whose chunks were never indexed.
#pragma once

#include <hangar/storage/chunk_store.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>

namespace hangar::storage {

// Thread-safety: append/flush from one writer thread; read/verify from any thread, also while
// the writer appends. All HDF5 work is serialised by one process-wide lock (Debian's HDF5 is a
// threadsafe build, which serialises every call anyway): do not expect parallel HDF5 reads.
class Hdf5ChunkStore final : public ChunkStore {
 public:
  static constexpr const char* kDirName = "hdf5";
  // Most packs kept open for reading at once (least recently used ones are closed).
  static constexpr std::size_t kMaxOpenPacks = 64;

  // Opens <chunks_dir>/hdf5, creating it unless read_only. Touches no pack file.
  // Throws: NotFound (read_only and no directory), Io.
  static std::unique_ptr<Hdf5ChunkStore> open(const std::filesystem::path& chunks_dir,
                                              bool read_only);
  ~Hdf5ChunkStore() override;
  Hdf5ChunkStore(const Hdf5ChunkStore&) = delete;
  Hdf5ChunkStore& operator=(const Hdf5ChunkStore&) = delete;

  BackendCode code() const override { return BackendCode::Hdf5; }
  // Appends to the pack being written (creating it when needed). Rows hold only raw or zstd
  // bytes (what filter 32015 reads): a chunk of another codec is decoded and stored as zstd,
  // and the returned location says so. On failure the pack being written is abandoned and
  // deleted, so earlier unflushed appends are dropped too.
  // Throws: InvalidArgument (sizes; an empty chunk with stored bytes; bytes that do not decode
  // to `id`), Corrupt (undecodable bytes of another codec), NoSpace, Io.
  ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                       ByteView stored) override;
  // Completes the pack being written (see above). No-op when nothing was appended.
  // Throws: NoSpace, Io (the pack is then abandoned and deleted).
  void flush() override;
  // Throws: Corrupt naming the pack file (unreadable file, missing row, wrong size or filter
  // mask), InvalidArgument (out size), Io.
  void read(const ChunkLocation& loc, MutableByteView out) const override;
  // False when the pack, the row or the recorded size is wrong. Throws: Io.
  bool verify(const ChunkLocation& loc) const override;

  // The pack id; nullopt for an empty chunk (pack 0).
  std::optional<std::uint64_t> container_of(const ChunkLocation& loc) const override;
  std::pair<std::uint64_t, std::uint64_t> place_of(const ChunkLocation& loc) const override;
  // Deletes the pack files, then fsyncs the directory. The pack with the highest id is
  // replaced by an empty file instead (a tombstone, renamed over it: a reader that has the old
  // pack open keeps reading it), so its id is never handed out again.
  void delete_containers(std::span<const std::uint64_t> ids) override;
  // Every non-empty pack file but the one this store is writing; with `with_stored_bytes` each
  // is opened (a pack that cannot be, e.g. one another process is writing, is !readable).
  std::vector<ContainerInfo> containers(bool with_stored_bytes) const override;

  const std::filesystem::path& dir() const noexcept;
  // The pack file that `loc` points into (for tools and tests). Throws: Corrupt (bad record).
  std::filesystem::path pack_path(const ChunkLocation& loc) const;

 private:
  struct Impl;
  explicit Hdf5ChunkStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::storage
