// Shared helpers for the npy/png/jpeg decoder tests: error capture, truncation and bit-flip
// loops, CRC-32 for crafting PNG chunks.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/error.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "support/image_gen.h"
#include "support/test_util.h"

namespace hangar::test {

using Decoder = std::function<void(ByteView)>;

// The hangar::Error thrown by f; fails the test when f returns or throws anything else.
// Decodes every prefix file[0, n) for n < file.size() (every n below `all_below`, then every
// `step`-th) and requires each to throw hangar::Error. Returns how many prefixes were tried.
inline std::size_t require_prefixes_fail(ByteView file, const Decoder& decode,
                                         std::size_t all_below = SIZE_MAX, std::size_t step = 1) {
  std::size_t tried = 0;
  for (std::size_t n = 0; n < file.size(); n += (n < all_below ? 1 : step)) {
    INFO("prefix of " << n << " bytes out of " << file.size());
    const Error e = error_of([&] { decode(file.first(n)); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    ++tried;
  }
  return tried;
}

// Flips one random bit (or, with `fix` set, lets it repair the copy) `iterations` times; each
// decode must either succeed or throw hangar::Error. Returns the number of decodes that failed.
inline std::size_t flip_bits(ByteView file, const Decoder& decode, std::uint64_t seed,
                             int iterations, const std::function<void(Bytes&)>& fix = nullptr) {
  SplitMix64 rng(seed);
  std::size_t failures = 0;
  for (int i = 0; i < iterations; ++i) {
    Bytes copy(file.begin(), file.end());
    const std::uint64_t bit = rng.below(copy.size() * 8);
    copy[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    if (fix) fix(copy);
    INFO("iteration " << i << ", flipped bit " << bit);
    try {
      decode(copy);
    } catch (const Error&) {
      ++failures;
    }
  }
  return failures;
}

// CRC-32 as PNG and zlib define it (reflected, polynomial 0xedb88320). The tests cannot link
// zlib directly (libspng links it privately), so this is the plain bitwise form.
inline std::uint32_t crc32(ByteView data) {
  std::uint32_t crc = 0xffffffffu;
  for (std::byte b : data) {
    crc ^= static_cast<std::uint32_t>(b);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xffffffffu;
}

inline void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::byte>((v >> shift) & 0xff));
}

inline std::uint32_t get_be32(ByteView b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint32_t>(b[at + i]);
  return v;
}

}  // namespace hangar::test
