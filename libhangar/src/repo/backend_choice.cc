// The column -> chunk backend rule.
#include "repo/backend_choice.h"

namespace hangar {

storage::BackendCode chunk_backend(const ColumnSchema& schema) noexcept {
  switch (schema.backend) {
    case BackendChoice::Lmdb:
      return storage::BackendCode::Lmdb;
    case BackendChoice::Hdf5:
      return storage::BackendCode::Hdf5;
    case BackendChoice::Auto:
      break;
  }
  if (schema.variable_shape) return storage::BackendCode::Lmdb;
  std::uint64_t bytes = dtype_size(schema.dtype);
  for (auto d : schema.shape) {
    if (d != 0 && bytes > kHdf5AutoSampleBytes / d) return storage::BackendCode::Hdf5;
    bytes *= d;
  }
  return bytes >= kHdf5AutoSampleBytes ? storage::BackendCode::Hdf5 : storage::BackendCode::Lmdb;
}

storage::BackendCode write_backend(const ColumnSchema& schema) noexcept {
  const storage::BackendCode type = chunk_backend(schema);
  return type == storage::BackendCode::Lmdb ? storage::BackendCode::LmdbSegments : type;
}

ChunkOptions chunk_options(const ColumnSchema& schema) noexcept {
  return ChunkOptions{schema.compression_level,
                      chunk_backend(schema) != storage::BackendCode::Hdf5};
}

}  // namespace hangar
