// Chunk codec (docs/format/location.md, "Chunk codecs"): zstd when it saves >= 1/32, else raw;
// image-like chunks through the delta predictor first (docs/decisions/0005-chunk-filter.md).
// zstd errors are translated here, into Corrupt with ZSTD_getErrorName.
#include <hangar/base/codec.h>
#include <hangar/error.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "delta_filter.h"

namespace hangar::storage {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

// One context per thread: import encodes on worker threads; creating a context per chunk
// would cost more than compressing a small chunk.
ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

// Per-thread scratch buffers, grown once and reused: no allocation or zero-fill per chunk.
std::byte* scratch(int which, std::size_t n) {
  thread_local Bytes buffers[3];
  Bytes& b = buffers[which];
  if (b.size() < n) b.resize(n);
  return b.data();
}

// zstd parameters beyond the level; 0 = the level's own.
struct Tuning {
  int min_match = 0;
  int hash_log = 0;
};

// zstd into dst[0, cap); 0 when it does not fit (the chunk does not pay), else the size.
std::size_t compress_into(std::byte* dst, std::size_t cap, ByteView src, int level,
                          Tuning tuning = {}) {
  ZSTD_CCtx* cctx = thread_cctx();
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  std::size_t n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(n) && tuning.min_match > 0)
    n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, tuning.min_match);
  if (!ZSTD_isError(n) && tuning.hash_log > 0)
    n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, tuning.hash_log);
  if (!ZSTD_isError(n)) n = ZSTD_compress2(cctx, dst, cap, src.data(), src.size());
  if (!ZSTD_isError(n)) return n;
  if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) return 0;
  fail(ErrorCode::Internal,
       std::string("zstd compression failed: ") + ZSTD_getErrorName(n) + " (please report)");
}

void zstd_decode(ByteView frame, MutableByteView out) {
  const std::size_t n =
      ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n))
    fail(ErrorCode::Corrupt, std::string("zstd chunk does not decode: ") + ZSTD_getErrorName(n));
  if (n != out.size())
    fail(ErrorCode::Corrupt, "zstd chunk decoded to " + std::to_string(n) + " bytes, expected " +
                                 std::to_string(out.size()));
}

// Row 0 means one row: the whole chunk (n bytes; n / 1 elements is enough, rows are cut short).
std::uint32_t one_row(std::uint32_t row, std::size_t n) {
  return row != 0 ? row : static_cast<std::uint32_t>(std::min<std::size_t>(n, UINT32_MAX));
}

void delta_decode_chunk(ByteView stored, MutableByteView out) {
  if (stored.size() < kDeltaHeaderSize)
    fail(ErrorCode::Corrupt,
         "zstd-delta chunk of " + std::to_string(stored.size()) + " bytes has no header");
  const auto element_size = std::to_integer<unsigned>(stored[0]);
  const auto stride = std::to_integer<unsigned>(stored[1]);
  std::uint32_t row = 0;
  for (int i = 5; i >= 2; --i) row = (row << 8) | std::to_integer<std::uint32_t>(stored[i]);
  if ((element_size != 1 && element_size != 2) || stride == 0 || (row != 0 && row < stride))
    fail(ErrorCode::Corrupt, "zstd-delta chunk header has element size " +
                                 std::to_string(element_size) + ", stride " +
                                 std::to_string(stride) + " and row " + std::to_string(row) +
                                 "; expected 1 or 2, >= 1 and 0 or >= the stride");
  if (out.size() % element_size != 0)
    fail(ErrorCode::Corrupt, "zstd-delta chunk of " + std::to_string(out.size()) +
                                 " bytes is not a whole number of " + std::to_string(element_size) +
                                 "-byte elements");
  zstd_decode(stored.subspan(kDeltaHeaderSize), out);
  detail::delta_decode(out.data(), out.size(), element_size, stride, one_row(row, out.size()));
}

// Levels 1..3 compress delta residuals to about the same size: residuals are nearly all
// literals, and the levels differ in match finding. Level 1 with matches of >= 7 bytes (runs in
// flat areas) is the smallest of them and the fastest; a 64-entry match table (hashLog 6)
// costs < 0.2% in size and saves 15-35% of the time (docs/decisions/0005-chunk-filter.md).
int delta_level(int level) { return level <= 3 ? 1 : level; }
Tuning delta_tuning(int level) { return level <= 3 ? Tuning{7, 6} : Tuning{}; }

}  // namespace

std::string_view codec_name(ChunkCodec codec) noexcept {
  switch (codec) {
    case ChunkCodec::Raw:
      return "raw";
    case ChunkCodec::Zstd:
      return "zstd";
    case ChunkCodec::ZstdDelta:
      return "zstd-delta";
  }
  return "unknown";
}

ChunkCodec codec_from_byte(std::uint8_t value) {
  if (!is_known_codec(value))
    fail(ErrorCode::Unsupported,
         "chunk codec " + std::to_string(value) + " was written by a newer hangar; upgrade hangar");
  return static_cast<ChunkCodec>(value);
}

EncodedChunk encode_chunk(ByteView raw, int zstd_level, std::optional<DeltaFilter> delta) {
  if (raw.size() > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument, "chunk of " + std::to_string(raw.size()) +
                                         " bytes exceeds the " + std::to_string(kMaxChunkBytes) +
                                         "-byte chunk limit; split the tensor into chunks");
  if (delta && ((delta->element_size != 1 && delta->element_size != 2) || delta->stride == 0 ||
                (delta->row != 0 && delta->row < delta->stride)))
    fail(ErrorCode::InvalidArgument,
         "delta filter needs an element size of 1 or 2, a stride >= 1 and a row >= the stride, "
         "got " +
             std::to_string(delta->element_size) + ", " + std::to_string(delta->stride) + " and " +
             std::to_string(delta->row));
  EncodedChunk out{digest_of(raw), ChunkCodec::Raw, static_cast<std::uint32_t>(raw.size()), {}};
  // Compression pays only when it saves at least 1/32 (~3%). Giving zstd a buffer of exactly
  // that budget lets it stop early (dstSize_tooSmall) on data that does not compress.
  const std::size_t budget = raw.size() - raw.size() / 32;
  if (raw.size() < 64 || budget <= kDeltaHeaderSize) {
    out.stored.assign(raw.begin(), raw.end());
    return out;
  }
  std::byte* best = scratch(0, budget);
  std::size_t best_size = 0;  // 0: nothing that pays yet
  if (delta && raw.size() % delta->element_size == 0) {
    std::byte* residuals = scratch(1, raw.size());
    detail::delta_encode(raw.data(), residuals, raw.size(), delta->element_size, delta->stride,
                         one_row(delta->row, raw.size()));
    const std::size_t n = compress_into(best + kDeltaHeaderSize, budget - kDeltaHeaderSize,
                                        ByteView(residuals, raw.size()), delta_level(zstd_level),
                                        delta_tuning(zstd_level));
    if (n > 0) {
      best[0] = std::byte{delta->element_size};
      best[1] = std::byte{delta->stride};
      for (int i = 0; i < 4; ++i) best[2 + i] = static_cast<std::byte>(delta->row >> (8 * i));
      best_size = kDeltaHeaderSize + n;
      out.codec = ChunkCodec::ZstdDelta;
    }
  }
  // Plain zstd too only when the residuals compress below 1/3 of the raw size (flat, repetitive
  // images such as icons, where zstd's matches on the pixels can win). Above that plain zstd
  // practically never wins on images, and a second compression would cost 20% of the import.
  if (best_size == 0 || best_size * 3 < raw.size()) {
    const std::size_t cap = best_size == 0 ? budget : best_size - 1;
    std::byte* plain = scratch(2, cap);
    const std::size_t n = compress_into(plain, cap, raw, zstd_level);
    if (n > 0) {
      best = plain;
      best_size = n;
      out.codec = ChunkCodec::Zstd;
    }
  }
  if (best_size == 0) {
    out.stored.assign(raw.begin(), raw.end());
  } else {
    out.stored.assign(best, best + best_size);
  }
  return out;
}

void decode_chunk(ChunkCodec codec, ByteView stored, MutableByteView out) {
  if (out.size() > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument,
         "chunk buffer of " + std::to_string(out.size()) + " bytes exceeds the chunk limit");
  switch (codec) {
    case ChunkCodec::Raw:
      if (stored.size() != out.size())
        fail(ErrorCode::Corrupt, "raw chunk has " + std::to_string(stored.size()) +
                                     " bytes, expected " + std::to_string(out.size()));
      if (!out.empty()) std::memcpy(out.data(), stored.data(), out.size());
      return;
    case ChunkCodec::Zstd:
      zstd_decode(stored, out);
      return;
    case ChunkCodec::ZstdDelta:
      delta_decode_chunk(stored, out);
      return;
  }
  fail(ErrorCode::Corrupt, "unknown chunk codec " + std::to_string(static_cast<int>(codec)));
}

std::optional<std::uint64_t> stated_raw_size(ChunkCodec codec, ByteView stored) noexcept {
  if (codec == ChunkCodec::Raw) return stored.size();
  if (codec == ChunkCodec::ZstdDelta) {
    if (stored.size() < kDeltaHeaderSize) return std::nullopt;
    stored = stored.subspan(kDeltaHeaderSize);
  } else if (codec != ChunkCodec::Zstd) {
    return std::nullopt;
  }
  const unsigned long long n = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) return std::nullopt;
  return n;
}

bool compress_frame(ByteView raw, int level, std::size_t below, Bytes& out) {
  // A full-size buffer: zstd may refuse a smaller one that the frame would have fit.
  out.resize(ZSTD_compressBound(raw.size()));
  const std::size_t n = compress_into(out.data(), out.size(), raw, level);
  if (n == 0 || n >= below) return false;
  out.resize(n);
  return true;
}

}  // namespace hangar::storage
