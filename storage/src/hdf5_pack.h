// HDF5 pack files of backend "h0" (layout in hdf5_chunk_store.h): the writer of one pack and
// the read-only view of a flushed pack. Private to the hdf5 backend; every function REQUIRES
// an h5::Session held by the caller.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hdf5_handle.h"

namespace hangar::storage::h5 {

// Permanent names and values of the pack layout (docs/format/location.md, backend h0).
inline constexpr const char* kPackFormatAttr = "hangar_pack_format";
// 1: 16-byte XXH3-128 digest rows (repository format 1); 2: 32-byte SHA-256 digest rows.
inline constexpr std::uint32_t kPackFormat = 2;
inline constexpr const char* kDataName = "data";
inline constexpr const char* kDigestName = "digest";
// Filter mask of a row written without the zstd filter (bit 0 = first filter skipped).
inline constexpr std::uint32_t kSkipZstd = 1;

// "r<raw_size>": the group holding rows of that raw size.
std::string table_name(std::uint32_t raw_size);
// "pack-<16 lowercase hex>.h5".
std::string pack_file_name(std::uint64_t id);
// The id in a pack file name; 0 when `name` is not one.
std::uint64_t parse_pack_file_name(const std::string& name);

// Writes one new pack. Not thread-safe. Move-only.
class PackWriter {
 public:
  // Creates `path` (fails if it exists). Throws: AlreadyExists (exists), Io, NoSpace.
  static PackWriter create(const std::filesystem::path& path);

  // Appends one row to table r<raw_size>; returns the row. Throws: Io, NoSpace.
  std::uint64_t append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size, ByteView stored);
  // Writes the digest tables, flushes and closes the file (no fsync). Throws: Io, NoSpace.
  void finish();
  // Closes without finishing (the file stays; the caller deletes it).
  void abandon() noexcept;
  bool empty() const noexcept { return rows_ == 0; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct Table {
    Group group;
    Dataset data;
    std::uint64_t rows = 0;
    std::uint64_t capacity = 0;
    std::vector<Digest> digests;
  };
  PackWriter(std::filesystem::path path, File file);
  Table& table(std::uint32_t raw_size);

  std::filesystem::path path_;
  File file_;
  std::map<std::uint32_t, Table> tables_;
  std::uint64_t rows_ = 0;
};

// A flushed pack opened read-only, with its tables opened on first use. Move-only.
class PackReader {
 public:
  // Throws: Corrupt "hdf5 pack '<path>' is unreadable: ..." (also for a missing file), Io.
  static PackReader open(const std::filesystem::path& path);

  // Copies the stored bytes of row `row` of table r<raw_size> into `out`, checking the stored
  // size (== out.size()) and the filter mask against `codec`. Throws: Corrupt, Io.
  void read(std::uint32_t raw_size, std::uint64_t row, ChunkCodec codec, MutableByteView out);
  // Stored size of the row, or nullopt-like -1 when the table or the row is missing.
  // Throws: Corrupt (unreadable metadata), Io.
  std::int64_t stored_size(std::uint32_t raw_size, std::uint64_t row);
  // Sum of the stored sizes of every row of every table (Chunks::reclaim's census).
  // Throws: Corrupt (unreadable metadata, a name under / that is not a table), Io.
  std::uint64_t stored_bytes();

  std::uint64_t last_use = 0;  // for the reader cache's LRU

 private:
  struct Table {
    Dataset data;
    std::uint64_t rows = 0;
  };
  PackReader(std::filesystem::path path, File file);
  Table* table(std::uint32_t raw_size);  // nullptr when the pack has no such table
  std::string context() const;

  std::filesystem::path path_;
  File file_;
  std::map<std::uint32_t, Table> tables_;
};

}  // namespace hangar::storage::h5
