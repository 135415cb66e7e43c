// Which chunk backend stores a column's chunks (DESIGN "Backends", schema field `backend`).
// Private to libhangar.
#pragma once

#include <hangar/schema.h>
#include <hangar/storage/chunk_store.h>

#include <cstdint>

#include "model/descriptor.h"

namespace hangar {

// `auto` picks hdf5 for fixed-shape columns whose samples hold at least this many bytes.
inline constexpr std::uint64_t kHdf5AutoSampleBytes = 1u << 20;

// lmdb or hdf5 as the schema says; for `auto`: hdf5 when the column is fixed-shape and a
// sample holds >= kHdf5AutoSampleBytes (large dense tensors: pack files, h5py-readable),
// lmdb otherwise (small or variable-shape samples: one LMDB value per chunk).
storage::BackendCode chunk_backend(const ColumnSchema& schema) noexcept;

// Where a column's new chunks are written: chunk_backend(), with the lmdb type in its current
// layout "l1" (chunks packed into segments; "l0" chunks written earlier stay readable).
storage::BackendCode write_backend(const ColumnSchema& schema) noexcept;

// How a column's chunks are encoded: its zstd level, and the delta predictor for image-like
// chunks unless the column lives in hdf5 packs (h5py reads those through filter 32015 only).
ChunkOptions chunk_options(const ColumnSchema& schema) noexcept;

}  // namespace hangar
