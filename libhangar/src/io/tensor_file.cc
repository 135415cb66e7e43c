// Single tensor files.
#include "io/tensor_file.h"

#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/io.h>

#include <algorithm>
#include <cstdio>

#include "io/image_format.h"
#include "io/npy.h"
#include "io/png.h"

namespace hangar {
namespace io {
namespace {
ImageFormat format_of(const std::filesystem::path& file) {
  auto f = format_from_extension(file);
  if (!f)
    fail(ErrorCode::InvalidArgument, "unsupported file type '" + file.extension().string() +
                                         "' for '" + file.string() +
                                         "'; use .png, .jpg, .jpeg or .npy");
  return *f;
}
}  // namespace

Tensor read_tensor_file_bytes(const std::filesystem::path& file, Bytes& raw,
                              const OnDeclared& on_declared, std::uint64_t max_file_bytes) {
  const ImageFormat f = format_of(file);
  if (max_file_bytes < kMaxFileBytes) {
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(file, ec);
    if (!ec && size > max_file_bytes)
      fail(ErrorCode::InvalidArgument,
           "cannot import '" + file.string() + "': the file has " + std::to_string(size) +
               " bytes, more than the per-file limit of " + std::to_string(max_file_bytes) +
               " bytes; raise it with --max-sample-bytes");
  }
  raw = storage::read_file(file, std::min(max_file_bytes, kMaxFileBytes));
  return decode_file_bytes(f, raw, file.string(), on_declared);
}

}  // namespace io

Tensor read_tensor_file(const std::filesystem::path& file) {
  Bytes raw;
  return io::read_tensor_file_bytes(file, raw);
}

std::uint64_t write_tensor_file(const std::filesystem::path& file, const TensorView& tensor) {
  const io::ImageFormat f = io::format_of(file);
  Bytes out;
  if (f == io::ImageFormat::Npy)
    out = io::encode_npy(tensor);
  else if (f == io::ImageFormat::Png)
    out = io::encode_png(tensor, file.string());
  else
    fail(ErrorCode::InvalidArgument,
         "cannot write '" + file.string() +
             "': JPEG is lossy and would change pixels; use .png or .npy");
  std::FILE* fp = std::fopen(file.c_str(), "wb");
  if (!fp) fail_errno(errno, "cannot write", file.string());
  const bool ok = std::fwrite(out.data(), 1, out.size(), fp) == out.size();
  const int err = errno;
  if (std::fclose(fp) != 0 || !ok) fail_errno(ok ? errno : err, "cannot write", file.string());
  return out.size();
}

}  // namespace hangar
