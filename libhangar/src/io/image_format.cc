// Extension -> format, and the one switch over the file decoders.
#include "io/image_format.h"

#include <hangar/error.h>

#include "io/jpeg.h"
#include "io/npy.h"
#include "io/png.h"

namespace hangar::io {

std::string_view format_name(ImageFormat format) noexcept {
  switch (format) {
    case ImageFormat::Png:
      return "png";
    case ImageFormat::Jpeg:
      return "jpeg";
    case ImageFormat::Npy:
      return "npy";
  }
  return "unknown";
}

std::optional<ImageFormat> format_from_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (ext == ".png") return ImageFormat::Png;
  if (ext == ".jpg" || ext == ".jpeg") return ImageFormat::Jpeg;
  if (ext == ".npy") return ImageFormat::Npy;
  return std::nullopt;
}

Tensor decode_file_bytes(ImageFormat format, ByteView file, const std::string& name,
                         const OnDeclared& on_declared) {
  switch (format) {
    case ImageFormat::Png:
      return decode_png(file, name, on_declared);
    case ImageFormat::Jpeg:
      return decode_jpeg(file, name, on_declared);
    case ImageFormat::Npy:
      return decode_npy(file, name, on_declared);
  }
  fail(ErrorCode::Internal, "unknown image format " + std::to_string(static_cast<int>(format)));
}

}  // namespace hangar::io
