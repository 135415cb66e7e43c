// Which decoder reads a file: dispatch on the extension (.png, .jpg/.jpeg, .npy) for import/put.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hangar::io {

// Decoded PNG and JPEG images larger than this are refused before anything is allocated.
constexpr std::uint64_t kMaxImageBytes = std::uint64_t{1} << 31;

enum class ImageFormat { Png, Jpeg, Npy };

// "png", "jpeg" or "npy".
std::string_view format_name(ImageFormat format) noexcept;

// The format for a path's extension, case-insensitive: .png, .jpg, .jpeg, .npy; nullopt for
// anything else (including no extension). Looks only at the name, never at the file.
std::optional<ImageFormat> format_from_extension(const std::filesystem::path& path);

// Called by a decoder as soon as a file's header says what it decodes to, before any check of
// the rest of the file and before the tensor's buffer exists: it may throw (a per-file limit)
// or wait (a memory budget shared by import's decoder threads).
using OnDeclared = std::function<void(DType dtype, const Shape& shape)>;

// Decodes a whole file held in memory with decode_png, decode_jpeg or decode_npy.
// `name` (the file's path or a label) appears in messages. Thread-safe.
// Throws: InvalidArgument (corrupt, truncated or unsupported file), what `on_declared` throws.
Tensor decode_file_bytes(ImageFormat format, ByteView file, const std::string& name,
                         const OnDeclared& on_declared = {});

}  // namespace hangar::io
