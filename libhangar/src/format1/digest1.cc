// Format-1 digests (digest1.h).
#include "format1/digest1.h"

#include <hangar/base/checksum.h>
#include <hangar/error.h>

#include <algorithm>
#include <cstring>

namespace hangar::format1 {

std::string Digest1::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kSize);
  for (std::byte b : bytes) {
    const auto v = std::to_integer<unsigned>(b);
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 15]);
  }
  return out;
}

std::string Digest1::short_hex() const { return hex().substr(0, 12); }

bool Digest1::is_zero() const noexcept {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

Digest1 Digest1::from_bytes(ByteView raw, std::string_view what) {
  if (raw.size() != kSize)
    fail(ErrorCode::Corrupt, "corrupt " + std::string(what) + ": not a 16-byte digest (" +
                                 std::to_string(raw.size()) + " bytes)");
  Digest1 d;
  std::memcpy(d.bytes.data(), raw.data(), kSize);
  return d;
}

Digest1 digest1_of(ByteView data) noexcept {
  // XXH3-128 with seed 0, high 64 bits first: XXH128_canonicalFromHash.
  const auto canonical = xxh3_128(data).canonical();
  Digest1 d;
  std::memcpy(d.bytes.data(), canonical.data(), Digest1::kSize);
  return d;
}

}  // namespace hangar::format1
