// HDF5 filter 32015: zstd frames per HDF5 chunk (see hdf5_zstd_filter.h for the contract).
#include "hdf5_zstd_filter.h"

#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace hangar::storage::h5 {
namespace {

// HDF5 chunks are limited to 4 GiB - 1 bytes; nothing decoded here may exceed that.
constexpr std::uint64_t kMaxDecoded = (std::uint64_t{1} << 32) - 1;

// Buffers handed to and taken from HDF5. In-process, HDF5's own allocator. The plugin library
// (HANGAR_H5Z_PLUGIN) cannot call into HDF5: h5py loads libhdf5 with RTLD_LOCAL, so its symbols
// are not visible to plugins, and h5py wheels bundle their own copy anyway. Like hdf5plugin's
// filters it uses malloc/free, which is what release builds of HDF5 allocate with.
#ifdef HANGAR_H5Z_PLUGIN
void* buffer_alloc(std::size_t n) { return std::malloc(n); }
void* buffer_resize(void* p, std::size_t n) { return std::realloc(p, n); }
void buffer_free(void* p) { std::free(p); }
#else
void* buffer_alloc(std::size_t n) { return H5allocate_memory(n, false); }
void* buffer_resize(void* p, std::size_t n) { return H5resize_memory(p, n); }
void buffer_free(void* p) { H5free_memory(p); }
#endif

// Replaces *buf by `out` (which holds `size` valid bytes in `capacity`).
std::size_t adopt(void* out, std::size_t size, std::size_t capacity, std::size_t* buf_size,
                  void** buf) {
  buffer_free(*buf);
  *buf = out;
  *buf_size = capacity;
  return size;
}

std::size_t compress(unsigned level_value, bool has_level, std::size_t nbytes,
                     std::size_t* buf_size, void** buf) {
  int level = has_level ? static_cast<int>(level_value) : static_cast<int>(kZstdFilterLevel);
  level = std::clamp(level, 1, ZSTD_maxCLevel());
  const std::size_t bound = ZSTD_compressBound(nbytes);
  if (ZSTD_isError(bound)) return 0;
  void* out = buffer_alloc(bound);
  if (out == nullptr) return 0;
  const std::size_t n = ZSTD_compress(out, bound, *buf, nbytes, level);
  if (ZSTD_isError(n)) {
    buffer_free(out);
    return 0;
  }
  return adopt(out, n, bound, buf_size, buf);
}

// Frames that do not record their content size: stream into a growing buffer.
std::size_t decompress_stream(std::size_t nbytes, std::size_t* buf_size, void** buf) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return 0;
  std::size_t capacity = std::max<std::size_t>(nbytes * 4, std::size_t{1} << 16);
  capacity = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, kMaxDecoded));
  void* out = buffer_alloc(capacity);
  ZSTD_inBuffer in{*buf, nbytes, 0};
  ZSTD_outBuffer ob{out, capacity, 0};
  bool ok = out != nullptr;
  while (ok) {
    const std::size_t rc = ZSTD_decompressStream(ds, &ob, &in);
    if (ZSTD_isError(rc)) {
      ok = false;
    } else if (rc == 0 && in.pos == in.size) {
      break;  // all frames done
    } else if (ob.pos == ob.size) {
      if (capacity >= kMaxDecoded) {
        ok = false;
        break;
      }
      const std::size_t grown = static_cast<std::size_t>(
          std::min<std::uint64_t>(std::uint64_t{capacity} * 2, kMaxDecoded));
      void* bigger = buffer_resize(out, grown);
      if (bigger == nullptr) {
        ok = false;
        break;
      }
      out = bigger;
      capacity = grown;
      ob.dst = out;
      ob.size = capacity;
    } else if (in.pos == in.size) {
      ok = false;  // truncated frame
    }
  }
  ZSTD_freeDStream(ds);
  if (!ok) {
    if (out != nullptr) buffer_free(out);
    return 0;
  }
  return adopt(out, ob.pos, capacity, buf_size, buf);
}

std::size_t decompress(std::size_t nbytes, std::size_t* buf_size, void** buf) {
  const unsigned long long size = ZSTD_getFrameContentSize(*buf, nbytes);
  if (size == ZSTD_CONTENTSIZE_ERROR) return 0;
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) return decompress_stream(nbytes, buf_size, buf);
  if (size > kMaxDecoded) return 0;  // never allocate from an unchecked header field
  const auto capacity = static_cast<std::size_t>(std::max<unsigned long long>(size, 1));
  void* out = buffer_alloc(capacity);
  if (out == nullptr) return 0;
  const std::size_t n = ZSTD_decompress(out, static_cast<std::size_t>(size), *buf, nbytes);
  if (ZSTD_isError(n) || n != size) {
    buffer_free(out);
    // More than one frame (the first one's size is not the total): stream them all.
    return decompress_stream(nbytes, buf_size, buf);
  }
  return adopt(out, n, capacity, buf_size, buf);
}

std::size_t zstd_filter(unsigned flags, std::size_t cd_nelmts, const unsigned cd_values[],
                        std::size_t nbytes, std::size_t* buf_size, void** buf) {
  if (buf == nullptr || *buf == nullptr || buf_size == nullptr) return 0;
  if ((flags & H5Z_FLAG_REVERSE) != 0) return decompress(nbytes, buf_size, buf);
  return compress(cd_nelmts > 0 ? cd_values[0] : 0, cd_nelmts > 0, nbytes, buf_size, buf);
}

const H5Z_class2_t kZstdClass = {
    H5Z_CLASS_T_VERS, kZstdFilterId, 1,           1, "zstd (hangar; compatible with hdf5plugin)",
    nullptr,          nullptr,       zstd_filter,
};

}  // namespace

const H5Z_class2_t* zstd_filter_class() noexcept { return &kZstdClass; }

#ifndef HANGAR_H5Z_PLUGIN
bool ensure_zstd_filter() noexcept {
  if (H5Zfilter_avail(kZstdFilterId) > 0) return true;
  return H5Zregister(&kZstdClass) >= 0;
}
#endif

}  // namespace hangar::storage::h5
