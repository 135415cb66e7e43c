// Backend "h0" of format 1 (docs/format/location.md at d7c92b1): write-once HDF5 pack files
// hdf5/pack-<16 hex id>.h5, one table /r<raw size>/data per chunk size, one HDF5 chunk per hangar
// chunk holding its stored bytes (filter mask 0: a zstd frame; 1: raw). Read with
// H5Dread_chunk, so no HDF5 filter is needed. Part of the frozen format-1 reader; the only HDF5
// use in libhangar.
#pragma once

#include <hangar/base/bytes.h>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace hangar::format1 {

// Not thread-safe. Keeps the last few packs it read open.
class H0Packs1 {
 public:
  explicit H0Packs1(std::filesystem::path hdf5_dir);
  H0Packs1(H0Packs1&&) noexcept;
  H0Packs1& operator=(H0Packs1&&) noexcept;
  ~H0Packs1();

  // Copies the stored bytes of `row` of table r<raw_size> of pack `pack` into `out` after
  // checking that HDF5 stores exactly out.size() bytes there with the filter mask of `zstd`
  // (true: the zstd filter applied; false: skipped, raw bytes). Throws: Corrupt (missing pack,
  // table or row, other size or mask), Io.
  void read(std::uint64_t pack, std::uint64_t row, std::uint32_t raw_size, bool zstd,
            MutableByteView out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::format1
