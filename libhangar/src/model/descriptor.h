// Sample descriptors: (dtype, shape, chunk grid, chunk digests). A sample of at most one chunk
// is named by an inline SampleId (its dtype, shape and chunk digest: no descriptor object);
// any other by the digest of its descriptor's canonical encoding, a descriptor object. Either
// way identical samples get identical SampleIds and are stored once.
#pragma once

#include <hangar/base/codec.h>
#include <hangar/sample_id.h>
#include <hangar/storage/chunks.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "model/chunk_grid.h"
#include "tree/record_value.h"

namespace hangar {

struct Descriptor {
  DType dtype = DType::UInt8;
  Shape shape;
  Shape chunk_shape;
  std::vector<Digest> chunks;  // one per grid block, row-major
  std::uint64_t nbytes() const;
};

// docs/format/objects.md#descriptor
Bytes encode_descriptor(const Descriptor& d);
// Throws: Corrupt (naming the field; the grid must match choose_grid(dtype, shape)).
Descriptor decode_descriptor(ByteView b);

// How a sample is named: inline when it fits (then `descriptor` is empty), else by the id of
// its descriptor object, whose canonical bytes `descriptor` holds (to be stored).
struct SampleName {
  SampleId id;
  Bytes descriptor;
};
// Throws: InvalidArgument (dtype and shape beyond the tensor limits).
SampleName name_sample(const Descriptor& d);
// True when a descriptor object holds a sample that must be inline instead (fsck, peers).
bool fits_inline(const Descriptor& d);
// The descriptor an inline sample stands for (dtype, shape, grid, its chunk if any).
// REQUIRES: id.is_inline().
Descriptor inline_descriptor(const SampleId& id);

// A tensor cut into encoded chunks, ready to be stored. Built on worker threads.
struct PreparedSample {
  SampleId id;       // inline, or the digest of `descriptor`
  Bytes descriptor;  // descriptor object's canonical encoding; empty for inline samples
  std::uint64_t nbytes = 0;
  std::vector<storage::EncodedChunk> chunks;
  RecordValue value() const { return {id, nbytes}; }
};

// How prepare_sample encodes chunks: the column's zstd level, and whether image-like chunks go
// through the delta predictor (storage::DeltaFilter; codec ZstdDelta). backend_choice.h has
// the rule per column (not for hdf5 columns, whose packs h5py must be able to read).
struct ChunkOptions {
  int zstd_level = storage::kDefaultZstdLevel;
  bool delta = false;
};

// The delta predictor for a chunk of `dtype` with extent `shape`, when it looks like an image:
// a 1- or 2-byte integer dtype and >= 2 dims. [.., H, W, C] with C <= 4 (channels): stride C,
// row W * C; otherwise stride 1, row = the last dim. nullopt for anything else (floats, wider
// ints, bool, vectors and scalars).
std::optional<storage::DeltaFilter> delta_filter_for(DType dtype, const Shape& shape) noexcept;

// Thread-safe. Throws: InvalidArgument (size limits, or data size not matching dtype and shape).
PreparedSample prepare_sample(const TensorView& tensor, const ChunkOptions& options);
inline PreparedSample prepare_sample(const TensorView& tensor, int zstd_level) {
  return prepare_sample(tensor, ChunkOptions{zstd_level, false});
}

// Reads and verifies every chunk of `d`. Throws: NotLocal, Corrupt, Io.
Tensor read_sample(storage::ChunkReader& reader, const Descriptor& d);
// True if every chunk of `d` is in the local chunk store.
bool sample_is_local(storage::ChunkReader& reader, const Descriptor& d);

}  // namespace hangar
