// The byte-delta predictor of chunk codec `zstd-delta` (docs/format/location.md, "Chunk
// codecs"): element i is stored as x[i] - x[i - stride] in element_size-byte little-endian
// wrap-around arithmetic (the first `stride` elements as they are). Private to storage.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hangar::storage::detail {

// Writes the residuals of `in` (n bytes) to `out` (n bytes; must not overlap `in`).
// REQUIRES: element_size is 1 or 2, n % element_size == 0, stride >= 1.
void delta_encode(const std::byte* in, std::byte* out, std::size_t n, unsigned element_size,
                  unsigned stride) noexcept;

// Turns residuals back into values, in place. SSE2 (x86-64 baseline) for the common
// stride * element_size in {1, 2, 3, 4, 6, 8}; a scalar loop otherwise.
// REQUIRES: as delta_encode.
void delta_decode(std::byte* data, std::size_t n, unsigned element_size, unsigned stride) noexcept;

}  // namespace hangar::storage::detail
