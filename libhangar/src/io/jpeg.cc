// JPEG decode/encode with libjpeg-turbo.
//
// libjpeg reports fatal errors by calling error_exit, which must not return. We longjmp from it
// back into small C-style functions (read_header, decompress, compress) that return false with
// the message saved; the C++ callers throw only after those C frames are gone. No object with a
// destructor lives between a setjmp and the libjpeg frames it may jump over.
#include "io/jpeg.h"

#include <hangar/error.h>

#include <algorithm>
#include <csetjmp>

// jpeglib.h needs FILE and size_t declared first.
// clang-format off
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

namespace hangar::io {
namespace {

constexpr std::uint64_t kMaxDecodeRatio = 4096;  // see jpeg.h
constexpr std::uint64_t kDecodeSlack = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxSide = 65500;  // libjpeg's JPEG_MAX_DIMENSION
constexpr JDIMENSION kRowsPerCall = 16;

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg hands us &pub
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jump_with_message(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_error_exit(j_common_ptr cinfo) { jump_with_message(cinfo); }

bool is_data_loss(int code) {
  switch (code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
      return true;
    default:
      return false;
  }
}

void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  if (is_data_loss(cinfo->err->msg_code)) jump_with_message(cinfo);
  ++cinfo->err->num_warnings;
}

void on_output_message(j_common_ptr) {}  // libjpeg would print to stderr

jpeg_error_mgr* install(ErrorManager& err) {
  jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_emit_message;
  err.pub.output_message = on_output_message;
  err.message[0] = '\0';
  return &err.pub;
}

std::string message_of(const ErrorManager& err) {
  std::string m = err.message[0] != '\0' ? err.message : "unknown libjpeg error";
  if (m[0] >= 'A' && m[0] <= 'Z') m[0] = static_cast<char>(m[0] - 'A' + 'a');
  return m;
}

// ---- decoding -------------------------------------------------------------------------------

struct Decompressor {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  JDIMENSION want_width = 0, want_height = 0;
  int want_components = 0;

  Decompressor() { cinfo.err = install(err); }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }  // no-op if create never ran
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
};

bool read_header(Decompressor* d, const unsigned char* data, unsigned long size) {
  if (setjmp(d->err.jump) != 0) return false;
  jpeg_create_decompress(&d->cinfo);
  jpeg_mem_src(&d->cinfo, data, size);
  jpeg_read_header(&d->cinfo, TRUE);
  return true;
}

void read_rows(j_decompress_ptr cinfo, unsigned char* out, std::size_t stride) {
  JSAMPROW rows[kRowsPerCall];
  while (cinfo->output_scanline < cinfo->output_height) {
    const JDIMENSION first = cinfo->output_scanline;
    const JDIMENSION n = std::min(kRowsPerCall, cinfo->output_height - first);
    for (JDIMENSION i = 0; i < n; ++i) rows[i] = out + std::size_t{first + i} * stride;
    jpeg_read_scanlines(cinfo, rows, n);
  }
}

bool decompress(Decompressor* d, unsigned char* out) {
  if (setjmp(d->err.jump) != 0) return false;
  jpeg_start_decompress(&d->cinfo);
  if (d->cinfo.output_width != d->want_width || d->cinfo.output_height != d->want_height ||
      d->cinfo.output_components != d->want_components) {
    std::snprintf(d->err.message, sizeof d->err.message, "unexpected output geometry");
    return false;
  }
  read_rows(&d->cinfo, out, std::size_t{d->want_width} * static_cast<unsigned>(d->want_components));
  jpeg_finish_decompress(&d->cinfo);
  return true;
}

// ---- encoding -------------------------------------------------------------------------------

struct VectorDestination {
  jpeg_destination_mgr pub;  // first: libjpeg hands us &pub
  Bytes* out;
  std::size_t used;
};

bool resize_nothrow(Bytes& b, std::size_t n) noexcept {
  try {
    b.resize(n);
    return true;
  } catch (...) {  // never let an exception cross libjpeg's C frames
    return false;
  }
}

void point_at_tail(VectorDestination* d, std::size_t from) {
  d->pub.next_output_byte = reinterpret_cast<JOCTET*>(d->out->data() + from);
  d->pub.free_in_buffer = d->out->size() - from;
}

void dest_init(j_compress_ptr cinfo) {
  auto* d = reinterpret_cast<VectorDestination*>(cinfo->dest);
  if (!resize_nothrow(*d->out, std::max<std::size_t>(d->out->capacity(), 4096)))
    ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
  point_at_tail(d, 0);
}

boolean dest_empty(j_compress_ptr cinfo) {
  auto* d = reinterpret_cast<VectorDestination*>(cinfo->dest);
  const std::size_t full = d->out->size();
  if (!resize_nothrow(*d->out, full * 2)) ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
  point_at_tail(d, full);
  return TRUE;
}

void dest_term(j_compress_ptr cinfo) {
  auto* d = reinterpret_cast<VectorDestination*>(cinfo->dest);
  d->used = d->out->size() - d->pub.free_in_buffer;
}

struct Compressor {
  jpeg_compress_struct cinfo{};
  ErrorManager err{};
  VectorDestination dest{};
  const unsigned char* pixels = nullptr;
  JDIMENSION width = 0, height = 0;
  int components = 0;
  int quality = 0;

  Compressor() { cinfo.err = install(err); }
  ~Compressor() { jpeg_destroy_compress(&cinfo); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
};

void write_rows(j_compress_ptr cinfo, const unsigned char* pixels, std::size_t stride) {
  JSAMPROW rows[kRowsPerCall];
  while (cinfo->next_scanline < cinfo->image_height) {
    const JDIMENSION first = cinfo->next_scanline;
    const JDIMENSION n = std::min(kRowsPerCall, cinfo->image_height - first);
    for (JDIMENSION i = 0; i < n; ++i)  // libjpeg only reads the rows
      rows[i] = const_cast<unsigned char*>(pixels + std::size_t{first + i} * stride);
    jpeg_write_scanlines(cinfo, rows, n);
  }
}

bool compress(Compressor* c) {
  if (setjmp(c->err.jump) != 0) return false;
  jpeg_create_compress(&c->cinfo);
  c->dest.pub.init_destination = dest_init;
  c->dest.pub.empty_output_buffer = dest_empty;
  c->dest.pub.term_destination = dest_term;
  c->cinfo.dest = &c->dest.pub;
  c->cinfo.image_width = c->width;
  c->cinfo.image_height = c->height;
  c->cinfo.input_components = c->components;
  c->cinfo.in_color_space = c->components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c->cinfo);
  jpeg_set_quality(&c->cinfo, c->quality, TRUE);
  jpeg_start_compress(&c->cinfo, TRUE);
  write_rows(&c->cinfo, c->pixels, std::size_t{c->width} * static_cast<unsigned>(c->components));
  jpeg_finish_compress(&c->cinfo);
  return true;
}

}  // namespace

Tensor decode_jpeg(ByteView file, const std::string& name, const OnDeclared& on_declared) {
  const std::string what = "cannot decode JPEG '" + name + "': ";
  Decompressor d;
  if (!read_header(&d, reinterpret_cast<const unsigned char*>(file.data()), file.size()))
    fail(ErrorCode::InvalidArgument, what + message_of(d.err));

  std::uint64_t channels = 0;
  switch (d.cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      channels = 1;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      channels = 3;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      fail(ErrorCode::InvalidArgument, what + "CMYK JPEGs are not supported; convert it to RGB");
    default:
      fail(ErrorCode::InvalidArgument, what + "unsupported color space with " +
                                           std::to_string(d.cinfo.num_components) + " components");
  }
  d.cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;

  // Size checks come before the one large allocation (the tensor's buffer).
  const std::uint64_t width = d.cinfo.image_width, height = d.cinfo.image_height;
  const std::uint64_t nbytes = width * height * channels;  // < 2^16 * 2^16 * 3
  const std::string dims = std::to_string(width) + "x" + std::to_string(height);
  if (on_declared) {
    Shape declared{height, width};
    if (channels > 1) declared.push_back(channels);
    on_declared(DType::UInt8, declared);
  }
  if (nbytes > kMaxImageBytes)
    fail(ErrorCode::InvalidArgument, what + "a " + dims + " image needs " + std::to_string(nbytes) +
                                         " bytes, more than the 2 GiB limit; split it");
  if (nbytes > kMaxDecodeRatio * file.size() + kDecodeSlack)
    fail(ErrorCode::InvalidArgument,
         what + "the header claims " + dims + " pixels, impossible for a " +
             std::to_string(file.size()) + "-byte file; the file is corrupt");

  Shape shape{height, width};
  if (channels > 1) shape.push_back(channels);
  Tensor image(DType::UInt8, std::move(shape));
  d.want_width = static_cast<JDIMENSION>(width);
  d.want_height = static_cast<JDIMENSION>(height);
  d.want_components = static_cast<int>(channels);
  if (!decompress(&d, reinterpret_cast<unsigned char*>(image.mutable_data().data())))
    fail(ErrorCode::InvalidArgument, what + message_of(d.err));
  return image;
}

Bytes encode_jpeg(const TensorView& image, int quality, const std::string& name) {
  const Shape& s = image.shape;
  const bool shape_ok = (s.size() == 2 || (s.size() == 3 && (s[2] == 1 || s[2] == 3))) &&
                        s[0] >= 1 && s[0] <= kMaxSide && s[1] >= 1 && s[1] <= kMaxSide &&
                        s[0] * s[1] * (s.size() == 3 ? s[2] : 1) <= kMaxImageBytes;
  if (image.dtype != DType::UInt8 || !shape_ok)
    fail(ErrorCode::InvalidArgument,
         "cannot write '" + name + "' as JPEG: " + std::string(dtype_name(image.dtype)) + " " +
             shape_to_string(s) +
             " is not an image JPEG can hold (uint8 [H,W], [H,W,1] or [H,W,3], sides 1..65500, "
             "at most 2 GiB); "
             "use --format png or npy");
  if (quality < 1 || quality > 100)
    fail(ErrorCode::InvalidArgument, "cannot write '" + name + "' as JPEG: quality " +
                                         std::to_string(quality) + " is not in 1..100");
  const std::uint64_t channels = s.size() == 3 ? s[2] : 1;
  if (image.data.size() != s[0] * s[1] * channels)
    fail(ErrorCode::InvalidArgument, "cannot write '" + name + "' as JPEG: " + shape_to_string(s) +
                                         " does not match " + std::to_string(image.data.size()) +
                                         " bytes");

  Bytes out;
  out.reserve(image.data.size() / 8 + 4096);
  Compressor c;
  c.dest.out = &out;
  c.pixels = reinterpret_cast<const unsigned char*>(image.data.data());
  c.width = static_cast<JDIMENSION>(s[1]);
  c.height = static_cast<JDIMENSION>(s[0]);
  c.components = static_cast<int>(channels);
  c.quality = quality;
  if (!compress(&c))
    fail(ErrorCode::Internal, "cannot encode '" + name + "' as JPEG: " + message_of(c.err));
  out.resize(c.dest.used);
  return out;
}

}  // namespace hangar::io
