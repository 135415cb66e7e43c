// A server's TLS identity (hangar server --tls-cert --tls-key, docs/decisions/0018-tls.md): its
// certificate chain and private key read from PEM files and checked before anything starts, in
// the OpenSSL SSL_CTX from which every connection's TlsChannel is made. Private to the remote
// module.
#pragma once

#include <openssl/ssl.h>

#include <filesystem>
#include <memory>

namespace hangar::remote {

// Immutable once loaded; shared by every connection thread (OpenSSL makes sessions from one
// SSL_CTX on many threads at once).
class TlsServerContext {
 public:
  // Reads `cert` (PEM: the server's certificate, then any intermediate CA certificates) and
  // `key` (PEM: its private key, not encrypted). Speaks TLS 1.2 and 1.3.
  // Throws: NotFound (no such file), Io (cannot read it), InvalidArgument (no PEM certificate
  // or key in it, a key encrypted with a passphrase, a key that is not the certificate's, a
  // certificate that expired or is not valid yet). Each message names the file and the fix.
  static std::shared_ptr<const TlsServerContext> load(const std::filesystem::path& cert,
                                                      const std::filesystem::path& key);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // Valid while this object lives.
  SSL_CTX* native() const noexcept { return ctx_; }

 private:
  explicit TlsServerContext(SSL_CTX* ctx) noexcept : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace hangar::remote
