// The one backend switch (STYLE 8.11): a BackendCode from the location index -> its ChunkStore.
#include <hangar/error.h>
#include <hangar/storage/chunk_store.h>

#include "hdf5_chunk_store.h"
#include "lmdb_chunk_store.h"
#include "lmdb_segment_store.h"

namespace hangar::storage {

std::unique_ptr<ChunkStore> open_backend(BackendCode code, const std::filesystem::path& chunks_dir,
                                         bool read_only) {
  switch (code) {
    case BackendCode::Lmdb:
      return LmdbChunkStore::open(chunks_dir, read_only);
    case BackendCode::LmdbSegments:
      return LmdbSegmentStore::open(chunks_dir, read_only);
    case BackendCode::Hdf5:
      return Hdf5ChunkStore::open(chunks_dir, read_only);
  }
  fail(ErrorCode::Unsupported, "chunk written by a newer hangar (backend code '" +
                                   backend_code_name(code) + "'); upgrade hangar");
}

}  // namespace hangar::storage
