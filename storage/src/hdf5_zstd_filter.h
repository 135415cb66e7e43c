// HDF5 filter 32015 (Zstandard), the id registered with The HDF Group and used by hdf5plugin.
// Compatible with hdf5plugin's zstd filter: cd_values = {level} (optional; default 3), each
// HDF5 chunk is one zstd frame. Self-contained (zstd + HDF5 C API only, no hangar code), so the
// same source builds into hangar_storage and into the hangar_h5zstd plugin library
// (storage/plugin/) that h5py loads through HDF5_PLUGIN_PATH.
#pragma once

#include <hdf5.h>

namespace hangar::storage::h5 {

inline constexpr H5Z_filter_t kZstdFilterId = 32015;
// zstd level written into cd_values[0] of hangar's datasets (informational: hangar writes
// chunks it compressed itself with H5Dwrite_chunk).
inline constexpr unsigned kZstdFilterLevel = 3;

// The filter class. Decoding: one or more zstd frames -> bytes (frame content size from the
// header, capped at HDF5's 4 GiB chunk limit; frames without a size are streamed within the
// same cap). Encoding: one frame at level cd_values[0]. Failures return 0 (HDF5 then reports
// "filter returned failure"); never throws.
const H5Z_class2_t* zstd_filter_class() noexcept;

// Registers the class above unless HDF5 already has filter 32015 available (built in, or a
// plugin found through HDF5_PLUGIN_PATH, e.g. hdf5plugin's: the formats are the same).
// Returns false when registration failed; the HDF5 error stack then says why.
// REQUIRES (in hangar): an h5::Session is held. Not in the plugin library, which never calls
// into HDF5 (HANGAR_H5Z_PLUGIN: buffers come from malloc, as in hdf5plugin's filters).
bool ensure_zstd_filter() noexcept;

}  // namespace hangar::storage::h5
