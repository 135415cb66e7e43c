// SHA-256 digests (OpenSSL libcrypto, EVP interface).
//
// OpenSSL 3 looks the algorithm up in its provider tables on every EVP_DigestInit with an
// implicitly fetched EVP_MD (and on every one-shot SHA256()); that costs ~300 ns, more than
// hashing a 96-byte descriptor. So the EVP_MD is fetched once per process and each thread keeps
// one EVP_MD_CTX that it re-initialises per digest (bench_digest: 140 ns for 96 bytes, 7.5 us
// for a 12 KiB chunk with the SHA extensions).
#include <hangar/base/digest.h>
#include <hangar/error.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <new>
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

[[noreturn]] void openssl_failed(const char* what) {
  fail(ErrorCode::Internal, std::string("SHA-256: OpenSSL ") + what +
                                " failed; is libcrypto's default provider available?");
}

// SHA-256, fetched once; never freed (it lives as long as the process).
const EVP_MD* sha256() {
  static const EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) openssl_failed("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxFree>;

CtxPtr new_ctx() {
  CtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

void ctx_init(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex2(ctx, sha256(), nullptr) != 1) openssl_failed("EVP_DigestInit_ex2");
}

void ctx_update(EVP_MD_CTX* ctx, ByteView data) {
  if (!data.empty() && EVP_DigestUpdate(ctx, data.data(), data.size()) != 1)
    openssl_failed("EVP_DigestUpdate");
}

Digest ctx_finish(EVP_MD_CTX* ctx) {
  Digest d;
  unsigned n = 0;
  if (EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(d.bytes.data()), &n) != 1 ||
      n != Digest::kSize)
    openssl_failed("EVP_DigestFinal_ex");
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
    fail(ErrorCode::Corrupt,
         "digest has " + std::to_string(raw.size()) + " bytes, expected " + std::to_string(kSize));
  Digest d;
  std::memcpy(d.bytes.data(), raw.data(), kSize);
  return d;
}

Digest digest_of(ByteView data) {
  thread_local const CtxPtr ctx = new_ctx();
  ctx_init(ctx.get());
  ctx_update(ctx.get(), data);
  return ctx_finish(ctx.get());
}

bool hex_prefix_matches(const Digest& d, std::string_view prefix) noexcept {
  if (prefix.size() > Digest::kSize * 2) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    unsigned b = std::to_integer<unsigned>(d.bytes[i / 2]);
    unsigned nib = (i % 2 == 0) ? (b >> 4) : (b & 0xF);
    if (hex_value(prefix[i]) != static_cast<int>(nib)) return false;
  }
  return true;
}

Hasher::Hasher() : state_(new_ctx().release()) {
  try {
    ctx_init(static_cast<EVP_MD_CTX*>(state_));
  } catch (...) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(state_));
    throw;
  }
}
Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(state_)); }
Hasher::Hasher(Hasher&& o) noexcept : state_(std::exchange(o.state_, nullptr)) {}
Hasher& Hasher::operator=(Hasher&& o) noexcept {
  std::swap(state_, o.state_);
  return *this;
}
void Hasher::update(ByteView data) { ctx_update(static_cast<EVP_MD_CTX*>(state_), data); }
Digest Hasher::finish() const {
  // Finalising consumes a context: finish a copy, so that update() may go on.
  CtxPtr copy = new_ctx();
  if (EVP_MD_CTX_copy_ex(copy.get(), static_cast<const EVP_MD_CTX*>(state_)) != 1)
    openssl_failed("EVP_MD_CTX_copy_ex");
  return ctx_finish(copy.get());
}

}  // namespace hangar
