// Chunk codec (docs/format/location.md, "Chunk codecs"): zstd when it saves >= 1/32, else raw.
// zstd errors are translated here, into Corrupt with ZSTD_getErrorName.
#include <hangar/error.h>
#include <hangar/storage/codec.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <cstring>
#include <memory>
#include <string>

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

}  // namespace

std::string_view codec_name(ChunkCodec codec) noexcept {
  switch (codec) {
    case ChunkCodec::Raw:
      return "raw";
    case ChunkCodec::Zstd:
      return "zstd";
  }
  return "unknown";
}

ChunkCodec codec_from_byte(std::uint8_t value) {
  if (value > static_cast<std::uint8_t>(ChunkCodec::Zstd))
    fail(ErrorCode::Unsupported,
         "chunk codec " + std::to_string(value) + " was written by a newer hangar; upgrade hangar");
  return static_cast<ChunkCodec>(value);
}

EncodedChunk encode_chunk(ByteView raw, int zstd_level) {
  if (raw.size() > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument, "chunk of " + std::to_string(raw.size()) +
                                         " bytes exceeds the " + std::to_string(kMaxChunkBytes) +
                                         "-byte chunk limit; split the tensor into chunks");
  EncodedChunk out{digest_of(raw), ChunkCodec::Raw, static_cast<std::uint32_t>(raw.size()), {}};
  // Compression pays only when it saves at least 1/32 (~3%). Giving zstd a buffer of exactly
  // that budget lets it stop early (dstSize_tooSmall) on data that does not compress.
  const std::size_t budget = raw.size() - raw.size() / 32;
  if (raw.size() >= 64 && budget > 0) {
    out.stored.resize(budget);
    const std::size_t n = ZSTD_compressCCtx(thread_cctx(), out.stored.data(), budget, raw.data(),
                                            raw.size(), zstd_level);
    if (!ZSTD_isError(n)) {
      out.stored.resize(n);
      out.stored.shrink_to_fit();
      out.codec = ChunkCodec::Zstd;
      return out;
    }
    if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall)
      fail(ErrorCode::Internal,
           std::string("zstd compression failed: ") + ZSTD_getErrorName(n) + " (please report)");
  }
  out.stored.assign(raw.begin(), raw.end());
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
    case ChunkCodec::Zstd: {
      const std::size_t n =
          ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), stored.data(), stored.size());
      if (ZSTD_isError(n))
        fail(ErrorCode::Corrupt,
             std::string("zstd chunk does not decode: ") + ZSTD_getErrorName(n));
      if (n != out.size())
        fail(ErrorCode::Corrupt, "zstd chunk decoded to " + std::to_string(n) +
                                     " bytes, expected " + std::to_string(out.size()));
      return;
    }
  }
  fail(ErrorCode::Corrupt, "unknown chunk codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace hangar::storage
