// The delta predictor of chunk codec `zstd-delta` (docs/format/location.md, "Chunk codecs"):
// the chunk is cut into rows of `row` elements; element i of a row is stored as
// x[i] - x[i - stride] (the same channel of the pixel to the left), except that the first
// `stride` elements of a row are stored as x[i] - x[i - row] (the pixel above; as they are in
// the first row), in element_size-byte little-endian wrap-around arithmetic. Private to storage.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hangar::storage::detail {

// Writes the residuals of `in` (n bytes) to `out` (n bytes; must not overlap `in`).
// REQUIRES: element_size is 1 or 2, n % element_size == 0, 1 <= stride <= row.
void delta_encode(const std::byte* in, std::byte* out, std::size_t n, unsigned element_size,
                  unsigned stride, std::uint32_t row) noexcept;

// Turns residuals back into values, in place. Each row is a prefix sum with a stride: SSE2
// (x86-64 baseline) for the common stride * element_size in {1, 2, 3, 4, 6, 8}, a scalar loop
// otherwise. REQUIRES: as delta_encode.
void delta_decode(std::byte* data, std::size_t n, unsigned element_size, unsigned stride,
                  std::uint32_t row) noexcept;

}  // namespace hangar::storage::detail
