// PNG files <-> uint8/uint16 image tensors, with libspng (private to hangar_core).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/tensor.h>

#include <string>

#include "io/image_format.h"

namespace hangar::io {

// Decodes a whole PNG file held in memory; `name` (a path or label) is only used in messages.
// Result: gray -> [H,W], gray+alpha -> [H,W,2], RGB -> [H,W,3], RGBA -> [H,W,4]; dtype uint8
// for bit depths 1..8 and uint16 (native byte order) for 16. Sample values are kept exactly:
// no gamma, no premultiplication. Expansions:
//  - palette -> RGB uint8 [H,W,3], or RGBA [H,W,4] when the file has a tRNS chunk;
//  - 1/2/4-bit gray -> uint8 gray scaled to 0..255 (v * 255 / (2^depth - 1)), as libpng's
//    png_set_expand_gray_1_2_4_to_8 and Pillow do.
// A tRNS chunk on a gray or RGB image is ignored (it would add an alpha channel and change the
// shape of otherwise plain images); the stored samples come back unchanged.
// Before allocating, the claimed size is refused when it exceeds kMaxImageBytes or cannot come
// from a file this small (deflate expands at most ~1032:1; we allow 1100:1 + 64 KiB of raw
// scanline bytes). The whole file up to IEND must be present and checksums must match.
// Thread-safe: one libspng context per call.
// Throws: InvalidArgument ("cannot decode PNG '<name>': <reason>").
// `on_declared` (image_format.h) is called with the tensor's dtype and shape right after IHDR.
Tensor decode_png(ByteView file, const std::string& name, const OnDeclared& on_declared = {});

// Encodes an image tensor as a non-interlaced PNG with fast compression (Average filter, zlib
// Z_RLE: ~5x faster than zlib level 2 with adaptive filters, files ~4% larger on photos).
// Accepted: uint8 or uint16; [H,W] or [H,W,1] -> gray, [H,W,2] -> gray+alpha, [H,W,3] -> RGB,
// [H,W,4] -> RGBA; H and W in 1..2^24 and at most kMaxImageBytes (what decode_png accepts). Note
// that [H,W,1] is written as gray and so decodes back as [H,W]. Pixels round-trip exactly; file
// bytes are not those of any other encoder. `name` labels the tensor in messages (e.g.
// "images/boot/00017"). Thread-safe. Throws: InvalidArgument (other dtype or shape: "... use
// --format npy").
Bytes encode_png(const TensorView& image, const std::string& name);

}  // namespace hangar::io
