// Content digests: XXH3-128, 16 bytes in XXH3's canonical (big-endian) order,
// shown as 32 lowercase hex characters.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <hangar/storage/bytes.h>

namespace hangar {

struct Digest {
  static constexpr std::size_t kSize = 16;
  std::array<std::byte, kSize> bytes{};

  // Full 32-char lowercase hex.
  std::string hex() const;
  // The first `n` hex chars (for messages), e.g. "3fa2c1d0".
  std::string short_hex(std::size_t n = 12) const;
  ByteView view() const noexcept { return {bytes.data(), bytes.size()}; }
  bool is_zero() const noexcept;

  // Parses exactly 32 hex chars (either case); nullopt otherwise.
  static std::optional<Digest> from_hex(std::string_view hex);
  // Takes exactly 16 bytes. Throws: Corrupt when the size differs.
  static Digest from_bytes(ByteView raw);

  auto operator<=>(const Digest&) const = default;
};

// XXH3-128 of `data`.
Digest digest_of(ByteView data) noexcept;

// True if `prefix` (lowercase hex, any length) starts the hex form of `d`.
bool hex_prefix_matches(const Digest& d, std::string_view prefix) noexcept;

// Streaming XXH3-128; not thread-safe; move-only.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(ByteView data) noexcept;
  Digest finish() const noexcept;

 private:
  void* state_;  // XXH3_state_t*, kept opaque so callers do not include xxhash.h
};

}  // namespace hangar

template <>
struct std::hash<hangar::Digest> {
  std::size_t operator()(const hangar::Digest& d) const noexcept {
    std::size_t h;
    static_assert(sizeof(h) <= hangar::Digest::kSize);
    __builtin_memcpy(&h, d.bytes.data(), sizeof(h));
    return h;
  }
};
