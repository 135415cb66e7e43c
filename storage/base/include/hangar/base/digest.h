// Content digests: SHA-256 (OpenSSL's libcrypto, which uses the CPU's SHA extensions), 32
// bytes, shown as 64 lowercase hex characters. Every object and chunk is addressed by one
// (docs/format/objects.md#digests, docs/decisions/0012-cryptographic-digests.md). For fast
// checksums that no adversary can exploit see checksum.h.
#pragma once

#include <hangar/base/bytes.h>

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hangar {

struct Digest {
  static constexpr std::size_t kSize = 32;
  std::array<std::byte, kSize> bytes{};

  // Full 64-char lowercase hex.
  std::string hex() const;
  // The first `n` hex chars (for messages), e.g. "3fa2c1d0".
  std::string short_hex(std::size_t n = 12) const;
  ByteView view() const noexcept { return {bytes.data(), bytes.size()}; }
  bool is_zero() const noexcept;

  // Parses exactly 64 hex chars (either case); nullopt otherwise.
  static std::optional<Digest> from_hex(std::string_view hex);
  // Takes exactly 32 bytes. Throws: Corrupt when the size differs.
  static Digest from_bytes(ByteView raw);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Digest&) const = default;
};

// SHA-256 of `data`. Thread-safe (a context per thread). Throws: Internal when OpenSSL cannot
// hash (no SHA-256 provider), std::bad_alloc.
Digest digest_of(ByteView data);

// True if `prefix` (lowercase hex, any length) starts the hex form of `d`.
bool hex_prefix_matches(const Digest& d, std::string_view prefix) noexcept;

// Streaming SHA-256; not thread-safe; move-only. Throws like digest_of().
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(ByteView data);
  // The digest of everything so far; more update()s may follow.
  Digest finish() const;

 private:
  void* state_;  // EVP_MD_CTX*, kept opaque so callers do not include OpenSSL's headers
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
