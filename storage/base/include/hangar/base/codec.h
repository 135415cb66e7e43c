// Chunk codecs: zstd compression when it pays, raw bytes otherwise; image-like chunks through a
// delta predictor first. Lowest data layer below the chunk backends; the codes are permanent
// (docs/format/location.md, "Chunk codecs"; why: docs/decisions/0005-chunk-filter.md).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hangar::storage {

// Permanent on-disk values; never reuse or renumber.
enum class ChunkCodec : std::uint8_t { Raw = 0, Zstd = 1, ZstdDelta = 2 };
inline constexpr std::uint8_t kMaxChunkCodec = 2;

// Bytes of the ZstdDelta header before its zstd frame: u8 element_size, u8 stride, u32 row (LE).
inline constexpr std::size_t kDeltaHeaderSize = 6;

// Largest raw chunk accepted anywhere (the chunk target is 4 MiB; this is the hard cap).
inline constexpr std::uint32_t kMaxChunkBytes = 64u << 20;
// zstd level used when a column does not choose one.
inline constexpr int kDefaultZstdLevel = 3;

// "raw" / "zstd" / "zstd-delta"; "unknown" for other values.
std::string_view codec_name(ChunkCodec codec) noexcept;

// True for the codec values this build can decode.
constexpr bool is_known_codec(std::uint8_t value) noexcept { return value <= kMaxChunkCodec; }
// Validates a stored codec byte. Throws: Unsupported (a newer hangar wrote it).
ChunkCodec codec_from_byte(std::uint8_t value);

// The predictor of codec ZstdDelta. The chunk is cut into rows of `row` elements (of
// element_size bytes, little-endian); element i of a row is stored as x[i] - x[i - stride],
// except the first `stride` of a row, stored as x[i] - x[i - row] (as they are in the first
// row), modulo 2^(8 * element_size). For an image [H, W, C] of uint8/uint16 (stride C, row W*C)
// that is the difference to the same channel of the pixel to the left (PNG's "Sub"), and to the
// pixel above at the start of a row. Carried in the stored bytes, so a chunk decodes alone.
struct DeltaFilter {
  std::uint8_t element_size = 1;  // 1 or 2
  std::uint8_t stride = 1;        // in elements, >= 1 (the channel count of an image)
  std::uint32_t row = 0;          // in elements, >= stride (width * channels of an image);
                                  // 0: the whole chunk is one row
  bool operator==(const DeltaFilter&) const = default;
};

// A chunk ready for a ChunkStore: digest of the raw bytes plus the bytes to store.
struct EncodedChunk {
  Digest digest;           // SHA-256 of the RAW (uncompressed) bytes
  ChunkCodec codec;        // how `stored` encodes the raw bytes
  std::uint32_t raw_size;  // <= kMaxChunkBytes
  Bytes stored;            // Raw: the raw bytes; Zstd: one zstd frame; ZstdDelta: u8
                           // element_size, u8 stride, u32 row, zstd frame of the residuals
};

// Hashes `raw` and compresses it with zstd at `zstd_level`; keeps it Raw when compression
// does not save at least ~3% (1/32). With `delta` (and raw.size() a multiple of its
// element_size) the residuals are compressed instead (ZstdDelta); levels 1..3 use zstd level 1
// with minMatch 7 and hashLog 6 there (residuals are nearly all literals: smaller than level 3
// and 2-3x as fast). When that shrinks the chunk below 1/3, plain zstd is tried too and the
// smaller kept (flat, repetitive images such as icons). Deterministic. Thread-safe: uses
// thread_local zstd contexts, so import may call it from worker threads.
// Throws: InvalidArgument (raw larger than kMaxChunkBytes, or delta.element_size not 1 or 2,
//         stride 0, or a row other than 0 shorter than the stride), Internal (zstd refused).
EncodedChunk encode_chunk(ByteView raw, int zstd_level = kDefaultZstdLevel,
                          std::optional<DeltaFilter> delta = std::nullopt);

// Decodes `stored` into exactly out.size() bytes (the chunk's raw_size). Thread-safe
// (thread_local zstd context). Does not re-hash; callers that need verification hash `out`.
// Throws: Corrupt (zstd error, a size other than out.size(), a bad ZstdDelta header, or an
//         unknown codec value), InvalidArgument (out larger than kMaxChunkBytes).
void decode_chunk(ChunkCodec codec, ByteView stored, MutableByteView out);

// The raw size that stored bytes state, reading headers only: stored.size() for Raw, the zstd
// frame's content size for Zstd and ZstdDelta (after its header); nullopt when they state none
// (not a zstd frame, a frame without its size, a ZstdDelta shorter than its header).
std::optional<std::uint64_t> stated_raw_size(ChunkCodec codec, ByteView stored) noexcept;

// One zstd frame of `raw` at `level` into `out` (resized to the frame) when the frame is smaller
// than `below` bytes; false otherwise (out's contents then unspecified). Thread-safe
// (thread_local context). Throws: Internal (zstd refused).
bool compress_frame(ByteView raw, int level, std::size_t below, Bytes& out);

}  // namespace hangar::storage
