// Reading and writing single tensor files (.png, .jpg/.jpeg, .npy) by extension.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/tensor.h>

#include <filesystem>

#include "io/image_format.h"

namespace hangar::io {

// Largest file import reads whole (8 GiB). Larger files are refused, not truncated.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{8} << 30;

// Reads `file` into `raw` (the caller may reuse the buffer) and decodes it. A file larger than
// `max_file_bytes` is refused before it is read (InvalidArgument naming the limit);
// `on_declared` sees what the header declares before the tensor is allocated (image_format.h).
// Throws: NotFound, InvalidArgument (unknown extension, corrupt file), Io, what on_declared throws.
Tensor read_tensor_file_bytes(const std::filesystem::path& file, Bytes& raw,
                              const OnDeclared& on_declared = {},
                              std::uint64_t max_file_bytes = kMaxFileBytes);

}  // namespace hangar::io
