// The chunk backend interface (STYLE 8.4, 8.11): where chunk bytes live, and the location
// record the index keeps per digest. Backends are private to storage and chosen by one switch,
// open_backend(); docs/format/location.md has the permanent codes and record layouts.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hangar::storage {

namespace lmdb {
class Env;
}

// Permanent values: two ASCII letters, backend type + record format version. Never reuse.
enum class BackendCode : std::uint16_t {
  Lmdb = 0x6c30,          // "l0": chunk bytes as LMDB values keyed by digest
  LmdbSegments = 0x6c31,  // "l1": chunk bytes packed into ~1 MiB LMDB values ("segments")
  Hdf5 = 0x6830,          // "h0": chunk bytes as rows of write-once HDF5 pack files
};

// "l0" for Lmdb; two printable chars or "0x1234" for unknown codes (messages only).
std::string backend_code_name(BackendCode code);
// "lmdb" for Lmdb and LmdbSegments, "hdf5" for Hdf5; "unknown" otherwise.
std::string_view backend_name(BackendCode code) noexcept;
// True for the codes this build can read.
bool is_known_backend(BackendCode code) noexcept;

// What the location index stores per digest.
struct ChunkLocation {
  BackendCode backend;        // type + format version (hangar-py rule)
  ChunkCodec codec;           // Raw | Zstd | ZstdDelta
  std::uint32_t raw_size;     // <= kMaxChunkBytes; checked on decode
  std::uint32_t stored_size;  // <= kMaxChunkBytes; == raw_size for Raw
  Bytes backend_record;       // backend-private; "l0": the 32-byte digest (the LMDB key);
                              // "l1": u64 segment + u32 offset;
                              // "h0": u64 pack id + u64 row (docs/format/location.md)
  // XXH3-64 of the stored bytes, set by every backend's append(): what a read checks instead
  // of re-hashing the chunk with its (cryptographic, ~10x slower) digest. nullopt (location
  // record version 1): readers re-hash with the digest.
  std::optional<std::uint64_t> checksum{};

  bool operator==(const ChunkLocation&) const = default;
};

// Largest backend_record accepted when decoding.
inline constexpr std::size_t kMaxBackendRecord = 256;

// Canonical encoding (docs/format/location.md): u8 version (2 with a checksum, 1 without),
// u16 backend, u8 codec, u32 raw_size, u32 stored_size, [u64 checksum,] bytes backend_record.
Bytes encode_location(const ChunkLocation& loc);
// Throws: Corrupt (truncated, bad sizes, trailing bytes), Unsupported (newer version/codec).
// Unknown backend codes decode fine; they fail later in open_backend().
ChunkLocation decode_location(ByteView encoded);

// One chunk backend. Writes (append/flush) are NOT thread-safe: one writer thread.
// read()/verify() are const and each backend states its thread-safety below; every backend
// in this build allows concurrent read()/verify() from many threads, also while the writer
// appends (readers see only flushed chunks).
class ChunkStore {
 public:
  virtual ~ChunkStore() = default;
  virtual BackendCode code() const = 0;
  // Appends already-encoded bytes; returns where they went, with the checksum of the bytes it
  // stored (checksum.h xxh3_64). Not durable until flush().
  // Throws: InvalidArgument (sizes), NoSpace, Io.
  virtual ChunkLocation append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                               ByteView stored) = 0;
  // Makes every appended byte durable. Locations may be committed to the index only after this.
  // Throws: NoSpace, Io.
  virtual void flush() = 0;
  // Hands the bytes appended so far to storage so the writer's memory stays bounded, without
  // the cost of making them durable: that is left to the next flush(), and until then they may
  // be lost in a crash (their locations are not indexed yet, so nothing refers to them).
  // Default: flush(). Throws: NoSpace, Io.
  virtual void write_back() { flush(); }
  // Copies the stored bytes of `loc` into `out` (out.size() == loc.stored_size).
  // Throws: Corrupt (missing or wrong size), InvalidArgument (out size), Io.
  virtual void read(const ChunkLocation& loc, MutableByteView out) const = 0;
  // fsck: true if the bytes at `loc` are present and have the recorded size. Throws: Io.
  virtual bool verify(const ChunkLocation& loc) const = 0;
  // Unmaps this process's view of memory-mapped store files (lmdb::Env::release_mapped_pages);
  // views stay valid. Default: nothing is mapped.
  virtual void release_mapped_pages() const noexcept {}

  // A per-thread read session that may keep resources open (e.g. an LMDB read txn) and hand
  // out zero-copy views. Default: reads into a scratch buffer through read().
  class Reader {
   public:
    virtual ~Reader() = default;
    // The stored bytes of `loc`; valid until the next call on this Reader or refresh().
    // Throws: like read().
    virtual ByteView stored(const ChunkLocation& loc) = 0;
    // Drops held snapshots so later calls see every flush so far. Throws: Io.
    virtual void refresh() {}
    // Releases held snapshots until the next stored() call (lets writers reclaim pages).
    virtual void release() noexcept {}
  };
  // Must not outlive this store. Throws: Io.
  virtual std::unique_ptr<Reader> open_reader() const;

  // ---- reclaim (Chunks::reclaim, docs/decisions/0010-reclaiming-chunk-space.md) ----
  // The unit of disk space holding `loc` ("l1": the segment id, "h0": the pack id); nullopt
  // when each chunk is its own unit ("l0") or nothing is stored (an empty chunk).
  // Throws: Corrupt (bad record).
  virtual std::optional<std::uint64_t> container_of(const ChunkLocation& loc) const {
    (void)loc;
    return std::nullopt;
  }
  // Where `loc`'s bytes lie, as a key that orders this backend's chunks the way its files are
  // read front to back: "l1" (segment, offset), "h0" (pack, row). The default, (0, 0), is for
  // backends whose chunks are each their own unit ("l0"). Throws: Corrupt (bad record).
  virtual std::pair<std::uint64_t, std::uint64_t> place_of(const ChunkLocation& loc) const {
    (void)loc;
    return {0, 0};
  }
  // Deletes whole containers durably (done when it returns). REQUIRES: no index entry points
  // into them and none will (they are complete: written and flushed by an earlier batch).
  // Containers already gone are skipped. Throws: NoSpace, Io.
  virtual void delete_containers(std::span<const std::uint64_t> ids) { (void)ids; }
  // "l0": deletes the values of these chunks durably. REQUIRES: no index entry points at them.
  virtual void delete_chunks(std::span<const Digest> ids) { (void)ids; }
  // The LMDB env holding this backend's bytes (for compaction), or nullptr.
  virtual const lmdb::Env* lmdb_env() const noexcept { return nullptr; }

  // One container as the backend sees it (Chunks::reclaim's census, decision 0013).
  struct ContainerInfo {
    std::uint64_t id = 0;
    // Sum of the stored sizes of every chunk it holds, live or dead (the denominator of its
    // live fraction); 0 when !readable or when `with_stored_bytes` was false.
    std::uint64_t stored_bytes = 0;
    // About what deleting it gives back ("l1": the segment value; "h0": the file's blocks).
    std::uint64_t disk_bytes = 0;
    // False when its layout could not be read ("h0": a pack another process is still writing,
    // or one a crash left half-written).
    bool readable = true;
  };
  // Every container that holds bytes (not the empty tombstones that keep the highest id taken),
  // in id order. `with_stored_bytes`: also sum the chunk sizes ("h0": opens every pack).
  // Default: none ("l0"). Throws: Corrupt, Io.
  virtual std::vector<ContainerInfo> containers(bool with_stored_bytes) const {
    (void)with_stored_bytes;
    return {};
  }
};

// The one backend switch (storage/src/backend_registry.cc). `chunks_dir` is the repository's
// chunks directory (<repo>/.hangar/chunks); each backend uses its own sub-directory.
// Throws: Unsupported "chunk written by a newer hangar (backend code 'x1'); upgrade hangar",
//         NotFound (read_only and the backend has no data), Io, Corrupt.
std::unique_ptr<ChunkStore> open_backend(BackendCode code, const std::filesystem::path& chunks_dir,
                                         bool read_only);

}  // namespace hangar::storage
