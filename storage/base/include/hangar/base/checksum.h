// Fast non-cryptographic checksums: XXH3 (libxxhash), seed 0. For the places where nobody gains
// anything from a collision: the check of a chunk's stored bytes on every read (location
// records), record-tree page boundaries, seeded key ranks of partial clones, the pack trailer's
// stream checksum (docs/decisions/0012-cryptographic-digests.md lists them).
// Never an address: objects and chunks are named by digest_of() (digest.h), SHA-256.
#pragma once

#include <hangar/base/bytes.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace hangar {

// An XXH3-128 value as its two 64-bit halves.
struct Checksum128 {
  static constexpr std::size_t kSize = 16;
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  // XXH3's canonical form: 16 bytes, big-endian, `high` first.
  std::array<std::byte, kSize> canonical() const noexcept;
  // 32 lowercase hex chars of canonical().
  std::string hex() const;
  // Reads canonical(). REQUIRES: raw.size() == kSize.
  static Checksum128 from_canonical(ByteView raw) noexcept;

  bool operator==(const Checksum128&) const = default;
};

// XXH3-128 of `data`. Thread-safe.
Checksum128 xxh3_128(ByteView data) noexcept;
// XXH3-64 of `data`. Thread-safe.
std::uint64_t xxh3_64(ByteView data) noexcept;

// Streaming XXH3-128; not thread-safe; move-only.
class StreamChecksum {
 public:
  StreamChecksum();
  ~StreamChecksum();
  StreamChecksum(StreamChecksum&&) noexcept;
  StreamChecksum& operator=(StreamChecksum&&) noexcept;
  StreamChecksum(const StreamChecksum&) = delete;
  StreamChecksum& operator=(const StreamChecksum&) = delete;

  void update(ByteView data) noexcept;
  // The checksum of everything so far; more update()s may follow.
  Checksum128 finish() const noexcept;

 private:
  void* state_;  // XXH3_state_t*, kept opaque so callers do not include xxhash.h
};

}  // namespace hangar
