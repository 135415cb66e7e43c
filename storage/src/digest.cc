// XXH3-128 digests (libxxhash).
#include <hangar/error.h>
#include <hangar/storage/digest.h>

#include <xxhash.h>

#include <cstring>
#include <utility>

namespace hangar {
namespace {
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Digest from_hash(XXH128_hash_t h) noexcept {
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, h);
  Digest d;
  std::memcpy(d.bytes.data(), canon.digest, Digest::kSize);
  return d;
}
}  // namespace

std::string Digest::hex() const { return short_hex(kSize * 2); }

std::string Digest::short_hex(std::size_t n) const {
  std::string out;
  out.reserve(kSize * 2);
  for (std::byte b : bytes) {
    out.push_back(kHex[std::to_integer<unsigned>(b) >> 4]);
    out.push_back(kHex[std::to_integer<unsigned>(b) & 0xF]);
  }
  if (n < out.size()) out.resize(n);
  return out;
}

bool Digest::is_zero() const noexcept {
  for (std::byte b : bytes)
    if (b != std::byte{0}) return false;
  return true;
}

std::optional<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != kSize * 2) return std::nullopt;
  Digest d;
  for (std::size_t i = 0; i < kSize; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d.bytes[i] = static_cast<std::byte>(hi * 16 + lo);
  }
  return d;
}

Digest Digest::from_bytes(ByteView raw) {
  if (raw.size() != kSize)
    fail(ErrorCode::Corrupt, "digest has " + std::to_string(raw.size()) + " bytes, expected 16");
  Digest d;
  std::memcpy(d.bytes.data(), raw.data(), kSize);
  return d;
}

Digest digest_of(ByteView data) noexcept { return from_hash(XXH3_128bits(data.data(), data.size())); }

bool hex_prefix_matches(const Digest& d, std::string_view prefix) noexcept {
  if (prefix.size() > Digest::kSize * 2) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    unsigned b = std::to_integer<unsigned>(d.bytes[i / 2]);
    unsigned nib = (i % 2 == 0) ? (b >> 4) : (b & 0xF);
    if (hex_value(prefix[i]) != static_cast<int>(nib)) return false;
  }
  return true;
}

Hasher::Hasher() : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}
Hasher::~Hasher() {
  if (state_ != nullptr) XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}
Hasher::Hasher(Hasher&& o) noexcept : state_(std::exchange(o.state_, nullptr)) {}
Hasher& Hasher::operator=(Hasher&& o) noexcept {
  std::swap(state_, o.state_);
  return *this;
}
void Hasher::update(ByteView data) noexcept {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data.data(), data.size());
}
Digest Hasher::finish() const noexcept {
  return from_hash(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_)));
}

}  // namespace hangar
