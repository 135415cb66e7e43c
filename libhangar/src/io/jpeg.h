// JPEG files <-> uint8 image tensors, with libjpeg-turbo (private to hangar_core).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/tensor.h>

#include <string>

#include "io/image_format.h"

namespace hangar::io {

// Decodes a whole JPEG file held in memory; `name` (a path or label) is only used in messages.
// Result: grayscale -> uint8 [H,W]; YCbCr or RGB -> uint8 [H,W,3] (RGB, libjpeg's default
// accurate integer IDCT and fancy upsampling, as Pillow does). CMYK/YCCK are refused.
// Before allocating, the claimed size is refused when it exceeds kMaxImageBytes or 4096 times
// the file size + 1 MiB: a Huffman-coded JPEG spends at least one bit per 8x8 block of every
// component in its DC scan, which bounds real files near 1365:1 (4:1:0 worst case; 256:1 for
// gray), so 4096:1 leaves 3x margin. Only arithmetic-coded flat images could exceed it.
// Warnings that mean lost pixel data (premature end of file or of a data segment, bad
// Huffman/arithmetic codes, missing restart markers, bogus progression) are errors; harmless
// ones (extraneous bytes, unknown markers) are ignored. libjpeg never prints to stderr.
// Thread-safe: one libjpeg object per call.
// Throws: InvalidArgument ("cannot decode JPEG '<name>': <reason>").
// `on_declared` (image_format.h) is called with uint8 [H,W(,3)] right after the header.
Tensor decode_jpeg(ByteView file, const std::string& name, const OnDeclared& on_declared = {});

// Encodes uint8 [H,W] or [H,W,1] (grayscale) or [H,W,3] (RGB, 4:2:0 chroma subsampling) as a
// baseline JFIF JPEG. REQUIRES: 1 <= quality <= 100; 1 <= H, W <= 65500; at most kMaxImageBytes.
// `name` labels the tensor in messages. Thread-safe.
// Throws: InvalidArgument (other dtype/shape, bad quality or size).
Bytes encode_jpeg(const TensorView& image, int quality, const std::string& name);

}  // namespace hangar::io
