// Which chunk backend stores a column's chunks (DESIGN "Backends", schema field `backend`).
// Private to libhangar.
#pragma once

#include <hangar/schema.h>
#include <hangar/storage/chunk_store.h>

#include <cstdint>

namespace hangar {

// `auto` picks hdf5 for fixed-shape columns whose samples hold at least this many bytes.
inline constexpr std::uint64_t kHdf5AutoSampleBytes = 1u << 20;

// lmdb or hdf5 as the schema says; for `auto`: hdf5 when the column is fixed-shape and a
// sample holds >= kHdf5AutoSampleBytes (large dense tensors: pack files, h5py-readable),
// lmdb otherwise (small or variable-shape samples: one LMDB value per chunk).
storage::BackendCode chunk_backend(const ColumnSchema& schema) noexcept;

}  // namespace hangar
