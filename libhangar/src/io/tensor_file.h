// Reading and writing single tensor files (.png, .jpg/.jpeg, .npy) by extension.
#pragma once

#include <hangar/storage/bytes.h>
#include <hangar/tensor.h>

#include <filesystem>

namespace hangar::io {

// Largest file import reads whole (8 GiB). Larger files are refused, not truncated.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{8} << 30;

// Reads `file` into `raw` (the caller may reuse the buffer) and decodes it.
// Throws: NotFound, InvalidArgument (unknown extension, corrupt file), Io.
Tensor read_tensor_file_bytes(const std::filesystem::path& file, Bytes& raw);

}  // namespace hangar::io
