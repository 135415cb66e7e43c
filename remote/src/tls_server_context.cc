// Loading and checking a server's certificate and key (tls_server_context.h).
//
// Why read the PEM files ourselves instead of SSL_CTX_use_certificate_chain_file: each way a
// file can be wrong (missing, not PEM, the key given as the certificate, an encrypted key, a key
// of another certificate, an expired certificate) gets its own message naming the file, and an
// encrypted key never makes OpenSSL prompt for a passphrase on the server's terminal.
#include "tls_server_context.h"

#include <hangar/error.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

#include "openssl_errors.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

// A PEM file with a certificate chain or a key is a few KiB; anything this large is not one.
constexpr std::uintmax_t kMaxPemBytes = 1u << 20;

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

// "TLS certificate '/etc/hangar/cert.pem'" / "TLS key '...'"
std::string named(const char* what, const fs::path& p) {
  return std::string("TLS ") + what + " '" + p.string() + "'";
}

std::string read_pem_file(const fs::path& p, const char* what, const char* option) {
  std::error_code ec;
  const bool exists = fs::exists(p, ec);
  if (!ec && !exists)
    fail(ErrorCode::NotFound, named(what, p) + " does not exist; give its PEM file with " + option);
  if (fs::is_directory(p, ec))
    fail(ErrorCode::InvalidArgument,
         named(what, p) + " is a folder; give its PEM file with " + option);
  const auto size = fs::file_size(p, ec);
  if (!ec && size > kMaxPemBytes)
    fail(ErrorCode::InvalidArgument,
         named(what, p) + " is " + std::to_string(size) + " bytes, too large for a PEM file");
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    const int err = errno;
    fail(ErrorCode::Io, "cannot read " + named(what, p) + ": " + std::strerror(err));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(ErrorCode::Io, "cannot read " + named(what, p));
  return bytes;
}

BioPtr memory_bio(const std::string& bytes) {
  BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  if (!bio) fail(ErrorCode::Io, "OpenSSL cannot allocate a buffer: " + take_openssl_errors());
  return bio;
}

// The passphrase callback: a server has no one to type it. Records that it was asked.
int no_passphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

// "2026-11-24T10:58:00Z"
std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The leaf certificate, then its chain, into `ctx`.
void use_certificates(SSL_CTX* ctx, const fs::path& path) {
  const std::string pem = read_pem_file(path, "certificate", "--tls-cert");
  BioPtr bio = memory_bio(pem);
  bool asked = false;
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, &asked));
  if (!leaf) {
    ERR_clear_error();
    fail(ErrorCode::InvalidArgument,
         named("certificate", path) +
             " holds no PEM certificate (a '-----BEGIN CERTIFICATE-----' block); give the "
             "server's certificate with --tls-cert and its private key with --tls-key");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) < 0)
    fail(ErrorCode::InvalidArgument, named("certificate", path) + " expired at " +
                                         iso_time(X509_get0_notAfter(leaf.get())) +
                                         "; renew it (clients refuse an expired certificate)");
  if (X509_cmp_current_time(X509_get0_notBefore(leaf.get())) > 0)
    fail(ErrorCode::InvalidArgument, named("certificate", path) + " is not valid before " +
                                         iso_time(X509_get0_notBefore(leaf.get())) +
                                         "; check the clock or the certificate");
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1)
    fail(ErrorCode::InvalidArgument,
         named("certificate", path) + " cannot be used: " + take_openssl_errors());
  for (;;) {  // intermediate CA certificates, sent to clients after the server's own
    X509Ptr next(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, &asked));
    if (!next) break;
    if (SSL_CTX_add1_chain_cert(ctx, next.get()) != 1)
      fail(ErrorCode::InvalidArgument,
           named("certificate", path) +
               ": a CA certificate after the first cannot be used: " + take_openssl_errors());
  }
  // The loop ends at the end of the file (no more PEM blocks) or at a block that is not a
  // certificate; anything else is a broken certificate.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 && ERR_GET_REASON(last) != PEM_R_NO_START_LINE)
    fail(ErrorCode::InvalidArgument,
         named("certificate", path) +
             ": a certificate after the first cannot be read: " + take_openssl_errors());
  ERR_clear_error();
}

void use_private_key(SSL_CTX* ctx, const fs::path& path, const fs::path& cert_path) {
  const std::string pem = read_pem_file(path, "key", "--tls-key");
  BioPtr bio = memory_bio(pem);
  bool asked = false;
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, &asked));
  ERR_clear_error();
  if (!key && asked)
    fail(ErrorCode::InvalidArgument,
         named("key", path) +
             " is encrypted with a passphrase, which a server cannot type; give it decrypted "
             "(openssl pkey -in KEY -out PLAIN_KEY) and keep that file readable only by the "
             "server's user");
  if (!key)
    fail(ErrorCode::InvalidArgument,
         named("key", path) +
             " holds no PEM private key (a '-----BEGIN PRIVATE KEY-----' block); give the "
             "certificate's private key with --tls-key");
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr || X509_check_private_key(cert, key.get()) != 1) {
    ERR_clear_error();
    fail(ErrorCode::InvalidArgument, named("key", path) + " is not the private key of " +
                                         named("certificate", cert_path) +
                                         "; give the key the certificate was made for");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    fail(ErrorCode::InvalidArgument,
         named("key", path) + " cannot be used: " + take_openssl_errors());
}

}  // namespace

std::shared_ptr<const TlsServerContext> TlsServerContext::load(const fs::path& cert,
                                                               const fs::path& key) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) fail(ErrorCode::Io, "OpenSSL cannot make a TLS context: " + take_openssl_errors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // A client that closes without close_notify ends its connection like any other; no
  // renegotiation; no session tickets (a hangar client keeps its connection instead).
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  use_certificates(ctx.get(), cert);
  use_private_key(ctx.get(), key, cert);
  return std::shared_ptr<const TlsServerContext>(new TlsServerContext(ctx.release()));
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

}  // namespace hangar::remote
