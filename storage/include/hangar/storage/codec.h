// Chunk codecs: zstd compression when it pays, raw bytes otherwise.
// Lowest data layer below the chunk backends; the codes are permanent (docs/format/location.md).
#pragma once

#include <hangar/storage/bytes.h>
#include <hangar/storage/digest.h>

#include <cstdint>
#include <string_view>

namespace hangar::storage {

// Permanent on-disk values; never reuse or renumber.
enum class ChunkCodec : std::uint8_t { Raw = 0, Zstd = 1 };

// Largest raw chunk accepted anywhere (the chunk target is 4 MiB; this is the hard cap).
inline constexpr std::uint32_t kMaxChunkBytes = 64u << 20;
// zstd level used when a column does not choose one.
inline constexpr int kDefaultZstdLevel = 3;

// "raw" / "zstd"; "unknown" for other values.
std::string_view codec_name(ChunkCodec codec) noexcept;

// Validates a stored codec byte. Throws: Unsupported (a newer hangar wrote it).
ChunkCodec codec_from_byte(std::uint8_t value);

// A chunk ready for a ChunkStore: digest of the raw bytes plus the bytes to store.
struct EncodedChunk {
  Digest digest;           // XXH3-128 of the RAW (uncompressed) bytes
  ChunkCodec codec;        // how `stored` encodes the raw bytes
  std::uint32_t raw_size;  // <= kMaxChunkBytes
  Bytes stored;            // codec == Raw: the raw bytes; Zstd: one zstd frame
};

// Hashes `raw` and compresses it with zstd at `zstd_level`; keeps it Raw when compression
// does not save at least ~3% (1/32). Thread-safe: uses a thread_local zstd context, so
// import may call it from worker threads.
// Throws: InvalidArgument (raw larger than kMaxChunkBytes), Internal (zstd refused to compress).
EncodedChunk encode_chunk(ByteView raw, int zstd_level = kDefaultZstdLevel);

// Decodes `stored` into exactly out.size() bytes (the chunk's raw_size). Thread-safe
// (thread_local zstd context). Does not re-hash; callers that need verification hash `out`.
// Throws: Corrupt (zstd error, or a size other than out.size()),
//         InvalidArgument (out larger than kMaxChunkBytes).
void decode_chunk(ChunkCodec codec, ByteView stored, MutableByteView out);

}  // namespace hangar::storage
