// NumPy .npy files <-> tensors (private to hangar_core; used by import, export, put and get).
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/tensor.h>

#include <functional>
#include <string>

namespace hangar::io {

// Decodes a whole .npy file held in memory. `name` (a path or label) is only used in messages.
// Accepts format versions 1.0, 2.0 and 3.0, the dtypes of dtype.h in either byte order
// ('<', '>', and '|' for one-byte types; big-endian data is swapped to native order), C order,
// 0..31 dims (shape () is a scalar). The header dict is parsed strictly: exactly the keys
// 'descr', 'fortran_order' and 'shape', in any order, with an optional trailing comma.
// The data must be exactly as long as the shape says: no allocation happens before the claimed
// size is checked against kMaxTensorBytes and against the bytes actually present.
// fortran_order True is accepted only where the bytes equal C order (at most one dimension
// longer than 1, or no elements). Bool data is kept byte for byte (numpy writes 0/1; other bytes
// are not normalised), so encode_npy gives back the same file. Thread-safe: keeps no state. Throws:
// InvalidArgument (bad magic/version/header, unsupported dtype such as object, structured or
// unicode, fortran_order True, truncated data or trailing bytes, shape too large).
// `on_declared` (image_format.h) is called with the header's dtype and shape once they are
// known to be valid, before the data's length is checked.
Tensor decode_npy(ByteView file, const std::string& name,
                  const std::function<void(DType, const Shape&)>& on_declared = {});

// Encodes `tensor` exactly as numpy 1.24 np.save does for a C-contiguous little-endian array:
// version 1.0 (2.0 only if the header would not fit in 65535 bytes), descr '<f4' / '|u1' /
// '|b1' ..., header padded with spaces and '\n' so data starts at a multiple of 64 bytes.
// REQUIRES: tensor.data.size() == element count * dtype_size (else throws InvalidArgument).
// Thread-safe. Throws: InvalidArgument.
Bytes encode_npy(const TensorView& tensor);

}  // namespace hangar::io
