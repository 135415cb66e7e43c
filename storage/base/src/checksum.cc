// XXH3-128 checksums (libxxhash); see checksum.h for where they may be used.
#include <hangar/base/checksum.h>
#include <xxhash.h>

#include <cstring>
#include <new>
#include <utility>

namespace hangar {
namespace {

Checksum128 from_hash(XXH128_hash_t h) noexcept { return {h.high64, h.low64}; }

}  // namespace

std::array<std::byte, Checksum128::kSize> Checksum128::canonical() const noexcept {
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, XXH128_hash_t{low, high});
  std::array<std::byte, kSize> out;
  std::memcpy(out.data(), canon.digest, kSize);
  return out;
}

std::string Checksum128::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kSize * 2);
  for (std::byte b : canonical()) {
    out.push_back(kHex[std::to_integer<unsigned>(b) >> 4]);
    out.push_back(kHex[std::to_integer<unsigned>(b) & 0xF]);
  }
  return out;
}

Checksum128 Checksum128::from_canonical(ByteView raw) noexcept {
  XXH128_canonical_t canon;
  std::memcpy(canon.digest, raw.data(), kSize);
  return from_hash(XXH128_hashFromCanonical(&canon));
}

Checksum128 xxh3_128(ByteView data) noexcept {
  return from_hash(XXH3_128bits(data.data(), data.size()));
}

std::uint64_t xxh3_64(ByteView data) noexcept { return XXH3_64bits(data.data(), data.size()); }

StreamChecksum::StreamChecksum() : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}
StreamChecksum::~StreamChecksum() {
  if (state_ != nullptr) XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}
StreamChecksum::StreamChecksum(StreamChecksum&& o) noexcept
    : state_(std::exchange(o.state_, nullptr)) {}
StreamChecksum& StreamChecksum::operator=(StreamChecksum&& o) noexcept {
  std::swap(state_, o.state_);
  return *this;
}
void StreamChecksum::update(ByteView data) noexcept {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data.data(), data.size());
}
Checksum128 StreamChecksum::finish() const noexcept {
  return from_hash(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_)));
}

}  // namespace hangar
