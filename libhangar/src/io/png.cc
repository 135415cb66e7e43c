// PNG decode/encode with libspng. libspng reports errors by return code (no longjmp), so every
// call is checked here and turned into hangar::Error once the C call has returned.
#include "io/png.h"

#include <hangar/error.h>
#include <spng.h>
#include <zlib.h>  // Z_RLE only; libspng links zlib

#include <memory>
#include <string_view>

namespace hangar::io {
namespace {

constexpr std::uint32_t kMaxSide = std::uint32_t{1} << 24;     // pixels per row or column
constexpr std::size_t kMaxChunkBytes = std::size_t{16} << 20;  // one ancillary chunk (text, ICC)
constexpr std::size_t kMaxChunkCache = std::size_t{64} << 20;  // all stored ancillary chunks
constexpr std::uint64_t kMaxInflateRatio = 1100;               // deflate's limit is ~1032:1
constexpr std::uint64_t kInflateSlack = std::uint64_t{64} << 10;
// The complete IEND chunk: length 0, type, CRC.
constexpr std::string_view kIendChunk{"\0\0\0\0IEND\xae\x42\x60\x82", 12};
// Encoder settings, measured on a 720x477 photo against level 2 with adaptive filters (20 MB/s
// encode, 79 MB/s decode, ratio 1.49): the Average filter + zlib's Z_RLE strategy encodes at
// ~117 MB/s and decodes at ~230 MB/s for ratio 1.43. (Paeth + Z_RLE: ratio 1.58 but decodes
// at ~90 MB/s, which would slow every later import of the exported files.)
constexpr int kCompressionLevel = 1;  // Z_RLE does no match search, so the level barely matters
constexpr int kFilterChoice = SPNG_FILTER_CHOICE_AVG;
constexpr int kStrategy = Z_RLE;

struct CtxFree {
  void operator()(spng_ctx* ctx) const noexcept { spng_ctx_free(ctx); }
};
using Ctx = std::unique_ptr<spng_ctx, CtxFree>;

[[noreturn]] void fail_decode(const std::string& name, const std::string& reason) {
  fail(ErrorCode::InvalidArgument, "cannot decode PNG '" + name + "': " + reason);
}
void check_decode(int rc, const std::string& name) {
  if (rc != 0) fail_decode(name, spng_strerror(rc));
}

// How a PNG color type and bit depth become a tensor.
struct Target {
  int fmt = SPNG_FMT_PNG;
  int flags = 0;
  std::uint64_t channels = 1;
  DType dtype = DType::UInt8;
};

Target choose_target(const spng_ihdr& ihdr, bool has_trns) {
  Target t;
  t.dtype = ihdr.bit_depth == 16 ? DType::UInt16 : DType::UInt8;
  switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
      // G8 unpacks 1/2/4-bit samples and scales them by bit replication (1 -> 255, 2-bit
      // 1 -> 85): the same as v * 255 / (2^depth - 1). sBIT is not applied (no USE_SBIT flag).
      if (ihdr.bit_depth < 8) t.fmt = SPNG_FMT_G8;
      break;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
      t.channels = 2;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR:
      t.channels = 3;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
      t.channels = 4;
      break;
    case SPNG_COLOR_TYPE_INDEXED:
      t.channels = has_trns ? 4 : 3;
      t.fmt = has_trns ? SPNG_FMT_RGBA8 : SPNG_FMT_RGB8;
      t.flags = has_trns ? SPNG_DECODE_TRNS : 0;
      break;
    default:  // libspng validated the IHDR already
      fail(ErrorCode::Internal, "png color type " + std::to_string(ihdr.color_type));
  }
  return t;
}

// Bytes the zlib stream must inflate to: per row, one filter byte plus the packed samples.
std::uint64_t inflated_size(const spng_ihdr& ihdr) {
  const std::uint64_t samples = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA   ? 2
                                : ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR       ? 3
                                : ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA ? 4
                                                                                     : 1;
  // INVARIANT: width, height <= kMaxSide = 2^24, so nothing here overflows 64 bits.
  const std::uint64_t row = (std::uint64_t{ihdr.width} * samples * ihdr.bit_depth + 7) / 8 + 1;
  return row * ihdr.height;
}

int write_to_bytes(spng_ctx*, void* user, void* src, size_t length) noexcept {
  try {
    auto* out = static_cast<Bytes*>(user);
    const auto* p = static_cast<const std::byte*>(src);
    out->insert(out->end(), p, p + length);
    return 0;
  } catch (...) {  // never let an exception cross libspng's C frames
    return SPNG_IO_ERROR;
  }
}

}  // namespace

Tensor decode_png(ByteView file, const std::string& name, const OnDeclared& on_declared) {
  Ctx ctx(spng_ctx_new(0));
  if (!ctx) fail(ErrorCode::Internal, "cannot create a PNG decoder (out of memory)");
  check_decode(spng_set_image_limits(ctx.get(), kMaxSide, kMaxSide), name);
  check_decode(spng_set_chunk_limits(ctx.get(), kMaxChunkBytes, kMaxChunkCache), name);
  check_decode(spng_set_png_buffer(ctx.get(), file.data(), file.size()), name);

  spng_ihdr ihdr{};
  check_decode(spng_get_ihdr(ctx.get(), &ihdr), name);

  // libspng never reads IEND's CRC, so a file missing only its last bytes would pass; and a
  // truncated file is best refused before the image buffer exists. Usually found at the end.
  if (as_string_view(file).rfind(kIendChunk) == std::string_view::npos)
    fail_decode(name, "the file is truncated (no complete IEND chunk)");
  bool has_trns = false;
  if (ihdr.color_type == SPNG_COLOR_TYPE_INDEXED) {
    spng_trns trns{};
    const int rc = spng_get_trns(ctx.get(), &trns);
    if (rc != SPNG_ECHUNKAVAIL) check_decode(rc, name);
    has_trns = rc == 0;
  }
  const Target t = choose_target(ihdr, has_trns);
  if (on_declared) {
    Shape declared{ihdr.height, ihdr.width};
    if (t.channels > 1) declared.push_back(t.channels);
    on_declared(t.dtype, declared);
  }

  // Size checks come before the one large allocation (the tensor's buffer).
  const std::string dims = std::to_string(ihdr.width) + "x" + std::to_string(ihdr.height);
  const std::uint64_t nbytes =
      std::uint64_t{ihdr.width} * ihdr.height * t.channels * dtype_size(t.dtype);
  if (nbytes > kMaxImageBytes)
    fail_decode(name, "a " + dims + " image needs " + std::to_string(nbytes) +
                          " bytes, more than the 2 GiB limit; split it into smaller images");
  if (inflated_size(ihdr) > kMaxInflateRatio * file.size() + kInflateSlack)
    fail_decode(name, "the header claims " + dims + " pixels, impossible for a " +
                          std::to_string(file.size()) + "-byte file; the file is corrupt");
  std::size_t spng_size = 0;
  check_decode(spng_decoded_image_size(ctx.get(), t.fmt, &spng_size), name);
  if (spng_size != nbytes)
    fail(ErrorCode::Internal, "PNG '" + name + "': libspng wants " + std::to_string(spng_size) +
                                  " bytes, expected " + std::to_string(nbytes));

  Shape shape{ihdr.height, ihdr.width};
  if (t.channels > 1) shape.push_back(t.channels);
  Tensor image(t.dtype, std::move(shape));
  check_decode(
      spng_decode_image(ctx.get(), image.mutable_data().data(), image.nbytes(), t.fmt, t.flags),
      name);
  // Reads on to IEND, so a file cut anywhere after the image data is still an error.
  check_decode(spng_decode_chunks(ctx.get()), name);
  return image;
}

Bytes encode_png(const TensorView& image, const std::string& name) {
  const Shape& s = image.shape;
  const bool dtype_ok = image.dtype == DType::UInt8 || image.dtype == DType::UInt16;
  // Never write what decode_png would refuse: sides up to kMaxSide, bytes up to kMaxImageBytes.
  const bool shape_ok =
      (s.size() == 2 || (s.size() == 3 && s[2] >= 1 && s[2] <= 4)) && s[0] >= 1 &&
      s[0] <= kMaxSide && s[1] >= 1 && s[1] <= kMaxSide &&
      s[0] * s[1] * (s.size() == 3 ? s[2] : 1) * dtype_size(image.dtype) <= kMaxImageBytes;
  if (!dtype_ok || !shape_ok)
    fail(ErrorCode::InvalidArgument,
         "cannot write '" + name + "' as PNG: " + std::string(dtype_name(image.dtype)) + " " +
             shape_to_string(s) +
             " is not an image PNG can hold (uint8 or uint16 [H,W] or [H,W,C], C 1..4, sides "
             "1..16777216, at most 2 GiB); use --format npy");
  const std::uint64_t channels = s.size() == 3 ? s[2] : 1;
  const std::uint64_t nbytes =
      checked_element_count(s, image.dtype, "'" + name + "'") * dtype_size(image.dtype);
  if (image.data.size() != nbytes)
    fail(ErrorCode::InvalidArgument, "cannot write '" + name + "' as PNG: " + shape_to_string(s) +
                                         " needs " + std::to_string(nbytes) + " bytes, got " +
                                         std::to_string(image.data.size()));

  static constexpr std::uint8_t kColorType[] = {
      0, SPNG_COLOR_TYPE_GRAYSCALE, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, SPNG_COLOR_TYPE_TRUECOLOR,
      SPNG_COLOR_TYPE_TRUECOLOR_ALPHA};
  spng_ihdr ihdr{};
  ihdr.width = static_cast<std::uint32_t>(s[1]);
  ihdr.height = static_cast<std::uint32_t>(s[0]);
  ihdr.bit_depth = image.dtype == DType::UInt16 ? 16 : 8;
  ihdr.color_type = kColorType[channels];

  Bytes out;
  out.reserve(nbytes / 2 + 1024);
  Ctx ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) fail(ErrorCode::Internal, "cannot create a PNG encoder (out of memory)");
  int rc = spng_set_png_stream(ctx.get(), write_to_bytes, &out);
  if (rc == 0) rc = spng_set_option(ctx.get(), SPNG_IMG_COMPRESSION_LEVEL, kCompressionLevel);
  if (rc == 0) rc = spng_set_option(ctx.get(), SPNG_FILTER_CHOICE, kFilterChoice);
  if (rc == 0) rc = spng_set_option(ctx.get(), SPNG_IMG_COMPRESSION_STRATEGY, kStrategy);
  if (rc == 0) rc = spng_set_ihdr(ctx.get(), &ihdr);
  if (rc == 0)
    rc = spng_encode_image(ctx.get(), image.data.data(), image.data.size(), SPNG_FMT_PNG,
                           SPNG_ENCODE_FINALIZE);
  if (rc != 0)
    fail(ErrorCode::Internal, "cannot encode '" + name + "' as PNG: " + spng_strerror(rc));
  return out;
}

}  // namespace hangar::io
