// Delta predictor for `zstd-delta` chunks. Encoding is a plain loop GCC vectorizes. Decoding a
// row is a prefix sum with a stride (once its first pixel has the pixel above added back),
// which a compiler cannot vectorize (each element needs the one `stride` before it), so the
// common strides get an SSE2 version: within a 16-byte vector the sum is built in log2 steps of
// byte shifts, and the carry from the previous vector (its last pixel, repeated) is added with
// one instruction. The carry of the next vector is computed from the in-vector sums alone, so
// the loop-carried dependency is a single add per vector.
#include "delta_filter.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hangar::storage::detail {
namespace {

std::uint16_t load_le16(const std::byte* p) noexcept {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) |
                                    (std::to_integer<unsigned>(p[1]) << 8));
}
void store_le16(std::byte* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::byte>(v & 0xFF);
  p[1] = static_cast<std::byte>(v >> 8);
}

// Prefix sum with a stride over p[0, n) from byte `from` on (p[0, stride elements) are final).
void prefix_scalar(std::byte* p, std::size_t n, std::size_t from, unsigned element_size,
                   unsigned stride) noexcept {
  if (element_size == 1) {
    auto* b = reinterpret_cast<std::uint8_t*>(p);
    for (std::size_t i = from < stride ? stride : from; i < n; ++i)
      b[i] = static_cast<std::uint8_t>(b[i] + b[i - stride]);
    return;
  }
  const std::size_t k = std::size_t{stride} * 2;
  for (std::size_t i = from < k ? k : from; i + 2 <= n; i += 2)
    store_le16(p + i, static_cast<std::uint16_t>(load_le16(p + i) + load_le16(p + i - k)));
}

#if defined(__SSE2__)

// Lanes of E bytes; K = stride in bytes (a multiple of E, at most 16).
template <int E>
__m128i add_lanes(__m128i a, __m128i b) noexcept {
  if constexpr (E == 1) {
    return _mm_add_epi8(a, b);
  } else {
    return _mm_add_epi16(a, b);
  }
}

// In-vector prefix sum with stride K over the first `Step` bytes.
template <int K, int E, int Step, int Shift = K>
__m128i prefix(__m128i v) noexcept {
  if constexpr (Shift >= Step) {
    return v;
  } else {
    return prefix<K, E, Step, Shift * 2>(add_lanes<E>(v, _mm_slli_si128(v, Shift)));
  }
}

// Bytes [0, K) of `t` repeated over the whole vector (the rest of `t` is zero).
template <int K, int Shift = K>
__m128i repeat(__m128i t) noexcept {
  if constexpr (Shift >= 16) {
    return t;
  } else {
    return repeat<K, Shift * 2>(_mm_or_si128(t, _mm_slli_si128(t, Shift)));
  }
}

// The last K-byte pixel of the first Step bytes of `v`, repeated over the whole vector.
template <int K, int Step>
__m128i last_pixel(__m128i v) noexcept {
  if constexpr (K == 16) {
    return v;
  } else if constexpr (K == 8) {
    return _mm_unpackhi_epi64(v, v);
  } else if constexpr (K == 4) {
    return _mm_shuffle_epi32(v, 0xFF);
  } else if constexpr (K == 2) {
    return _mm_unpackhi_epi64(_mm_shufflehi_epi16(v, 0xFF), _mm_shufflehi_epi16(v, 0xFF));
  } else if constexpr (K == 1) {
    const __m128i w = _mm_shufflehi_epi16(_mm_unpackhi_epi8(v, v), 0xFF);
    return _mm_unpackhi_epi64(w, w);
  } else {
    const __m128i low = _mm_srli_si128(_mm_set1_epi8(-1), 16 - K);
    return repeat<K>(_mm_and_si128(_mm_srli_si128(v, Step - K), low));
  }
}

template <int K, int E>
void prefix_sse2(std::byte* p, std::size_t n) noexcept {
  static_assert(K % E == 0 && K <= 16);
  constexpr int kStep = (16 / K) * K;  // whole pixels per vector
  std::size_t i = 0;
  if (n >= 16) {
    // Bytes past kStep of each stored vector are not final; they belong to the next step,
    // whose input is loaded before the store. The last step restores them from its input.
    const __m128i keep_high = _mm_slli_si128(_mm_set1_epi8(-1), kStep == 16 ? 15 : kStep);
    __m128i carry = _mm_setzero_si128();
    __m128i in = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    while (true) {
      const __m128i sums = prefix<K, E, kStep>(in);
      __m128i out = add_lanes<E>(sums, carry);
      carry = add_lanes<E>(carry, last_pixel<K, kStep>(sums));
      const bool more = i + kStep + 16 <= n;
      __m128i next = in;
      if (more) next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + kStep));
      if (!more && kStep < 16)
        out = _mm_or_si128(_mm_andnot_si128(keep_high, out), _mm_and_si128(keep_high, in));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), out);
      i += kStep;
      if (!more) break;
      in = next;
    }
  }
  prefix_scalar(p, n, i, E, K / E);
}

#endif  // __SSE2__

using PrefixFn = void (*)(std::byte*, std::size_t) noexcept;

// The SSE2 prefix sum for this stride, or nullptr for the scalar loop.
PrefixFn simd_prefix(unsigned element_size, unsigned stride) noexcept {
#if defined(__SSE2__)
  const unsigned k = element_size * stride;
  if (element_size == 1) {
    switch (k) {
      case 1:
        return prefix_sse2<1, 1>;
      case 2:
        return prefix_sse2<2, 1>;
      case 3:
        return prefix_sse2<3, 1>;
      case 4:
        return prefix_sse2<4, 1>;
      case 6:
        return prefix_sse2<6, 1>;
      case 8:
        return prefix_sse2<8, 1>;
      default:
        break;
    }
  } else if (element_size == 2) {
    switch (k) {
      case 2:
        return prefix_sse2<2, 2>;
      case 4:
        return prefix_sse2<4, 2>;
      case 6:
        return prefix_sse2<6, 2>;
      case 8:
        return prefix_sse2<8, 2>;
      default:
        break;
    }
  }
#endif
  (void)element_size;
  (void)stride;
  return nullptr;
}

// Row starts: p[j] (+)= above[j] for the first k bytes, in element arithmetic; `above` is
// null for the first row. Encoding subtracts (into out), decoding adds (in place).
void fix_row_start(const std::byte* in, std::byte* out, std::size_t k, const std::byte* above,
                   unsigned element_size, bool subtract) noexcept {
  for (std::size_t j = 0; j < k; j += element_size) {
    if (element_size == 1) {
      const auto x = std::to_integer<unsigned>(in[j]);
      const unsigned a = above ? std::to_integer<unsigned>(above[j]) : 0;
      out[j] = static_cast<std::byte>((subtract ? x - a : x + a) & 0xFF);
    } else {
      const unsigned x = load_le16(in + j);
      const unsigned a = above ? load_le16(above + j) : 0;
      store_le16(out + j, static_cast<std::uint16_t>(subtract ? x - a : x + a));
    }
  }
}

}  // namespace

void delta_encode(const std::byte* in, std::byte* out, std::size_t n, unsigned element_size,
                  unsigned stride, std::uint32_t row) noexcept {
  const std::size_t k = std::size_t{stride} * element_size;
  const std::size_t row_bytes = std::size_t{row} * element_size;
  for (std::size_t start = 0; start < n; start += row_bytes) {
    const std::size_t len = row_bytes < n - start ? row_bytes : n - start;
    const std::size_t head = k < len ? k : len;
    fix_row_start(in + start, out + start, head, start > 0 ? in + start - row_bytes : nullptr,
                  element_size, true);
    if (element_size == 1) {
      const auto* x = reinterpret_cast<const std::uint8_t*>(in + start);
      auto* r = reinterpret_cast<std::uint8_t*>(out + start);
      for (std::size_t i = head; i < len; ++i) r[i] = static_cast<std::uint8_t>(x[i] - x[i - k]);
    } else {
      const std::byte* x = in + start;
      std::byte* r = out + start;
      for (std::size_t i = head; i + 2 <= len; i += 2)
        store_le16(r + i, static_cast<std::uint16_t>(load_le16(x + i) - load_le16(x + i - k)));
    }
  }
}

void delta_decode(std::byte* data, std::size_t n, unsigned element_size, unsigned stride,
                  std::uint32_t row) noexcept {
  const std::size_t k = std::size_t{stride} * element_size;
  const std::size_t row_bytes = std::size_t{row} * element_size;
  const PrefixFn simd = simd_prefix(element_size, stride);
  for (std::size_t start = 0; start < n; start += row_bytes) {
    std::byte* p = data + start;
    const std::size_t len = row_bytes < n - start ? row_bytes : n - start;
    fix_row_start(p, p, k < len ? k : len, start > 0 ? p - row_bytes : nullptr, element_size,
                  false);
    if (simd != nullptr) {
      simd(p, len);
    } else {
      prefix_scalar(p, len, 0, element_size, stride);
    }
  }
}

}  // namespace hangar::storage::detail
