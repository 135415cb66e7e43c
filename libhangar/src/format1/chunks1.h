// The chunk store of a format-1 repository (docs/format/location.md at d7c92b1): the location
// index (16-byte XXH3-128 digest -> location record version 1), backends l0 (one LMDB value per
// chunk), l1 (LMDB segments) and h0 (HDF5 packs), codecs raw, zstd and zstd-delta. Every read is
// decoded and re-hashed against its digest, as format 1 did. Opened read-only without touching
// any file. Part of the frozen format-1 reader.
#pragma once

#include <hangar/base/bytes.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "format1/digest1.h"

namespace hangar::format1 {

// Permanent backend codes of format 1: two ASCII letters, type then record version.
enum class Backend1 : std::uint16_t { L0 = 0x6c30, L1 = 0x6c31, H0 = 0x6830 };

struct Location1 {
  std::uint16_t backend = 0;
  std::uint8_t codec = 0;  // 0 raw, 1 zstd, 2 zstd-delta
  std::uint32_t raw_size = 0;
  std::uint32_t stored_size = 0;
  Bytes record;  // backend-private locator
};

// Decodes a location record of version 1. Throws: Corrupt naming the chunk and field,
// Unsupported (a record version above 1 or an unknown codec).
Location1 decode_location1(const Digest1& id, ByteView bytes);

// Decodes stored bytes of `codec` into exactly out.size() (raw_size) bytes. Does not hash.
// Throws: Corrupt (a bad frame or header, another size), Unsupported (unknown codec).
void decode_chunk1(std::uint8_t codec, ByteView stored, MutableByteView out);

struct ChunkTotals1 {
  std::uint64_t chunks = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t raw_bytes = 0;
};

// Not thread-safe; move-only.
class ChunkStore1 {
 public:
  // REQUIRES: no process writes the chunk store meanwhile. Backends a repository never wrote
  // to (no segments/, lmdb/ or hdf5/) read as empty. Throws: NotFound (no index), Corrupt, Io.
  static ChunkStore1 open(const std::filesystem::path& chunks_dir);
  ChunkStore1(ChunkStore1&&) noexcept;
  ChunkStore1& operator=(ChunkStore1&&) noexcept;
  ~ChunkStore1();

  // nullopt: not local (a partial clone). Throws: Corrupt, Unsupported.
  std::optional<Location1> find(const Digest1& id) const;
  bool contains(const Digest1& id) const;
  // Every indexed chunk, counted from the index (not its stats record). Throws: Corrupt.
  ChunkTotals1 totals() const;

  // Reads chunk `id` into `out` (exactly its raw_size bytes), decoded and verified: its
  // XXH3-128 must be `id`. Throws: NotLocal (not in the index), InvalidArgument (out has another
  // size), Corrupt (missing bytes, bad encoding, digest mismatch), Unsupported (unknown backend
  // code or codec).
  void read(const Digest1& id, MutableByteView out);

 private:
  struct Impl;
  explicit ChunkStore1(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::format1
