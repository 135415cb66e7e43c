// Format-1 digests: XXH3-128 (seed 0) in XXH3's canonical big-endian form, 16 bytes, the
// address of every object and chunk of a storage-format-1 repository (format 1's
// docs/format/objects.md#digests, as of commit d7c92b1). Part of the frozen format-1 reader
// (format1/), which `hangar upgrade` uses and nothing else; it never changes with the
// current format.
#pragma once

#include <hangar/base/bytes.h>

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace hangar::format1 {

struct Digest1 {
  static constexpr std::size_t kSize = 16;
  std::array<std::byte, kSize> bytes{};

  std::string hex() const;        // 32 lowercase hex characters
  std::string short_hex() const;  // the first 12 of them, for messages
  ByteView view() const noexcept { return {bytes.data(), bytes.size()}; }
  bool is_zero() const noexcept;

  // Exactly 16 bytes. Throws: Corrupt "corrupt <what>: not a 16-byte digest".
  static Digest1 from_bytes(ByteView raw, std::string_view what);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Digest1&) const = default;
};

// XXH3-128 of `data`, canonical. Thread-safe.
Digest1 digest1_of(ByteView data) noexcept;

}  // namespace hangar::format1

template <>
struct std::hash<hangar::format1::Digest1> {
  std::size_t operator()(const hangar::format1::Digest1& d) const noexcept {
    std::size_t h;
    static_assert(sizeof(h) <= hangar::format1::Digest1::kSize);
    __builtin_memcpy(&h, d.bytes.data() + hangar::format1::Digest1::kSize - sizeof(h), sizeof(h));
    return h;
  }
};
