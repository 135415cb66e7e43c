// A server's certificate and key (tls_server_context.h): a good pair loads, with or without an
// intermediate CA; every way the files can be wrong is refused before anything starts, with a
// message that names the file and what to do.
#include <hangar/error.h>
#include <hangar/remote/server.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "remote_test_util.h"
#include "test_pki.h"
#include "tls_server_context.h"

namespace hangar::remote::test {
namespace {

// Whether loading `f` is refused with `code` and a message holding `fragment`.
bool refused(const CertFiles& f, ErrorCode code, const std::string& fragment) {
  UNSCOPED_INFO(f.cert.string() << " + " << f.key.string());
  try {
    TlsServerContext::load(f.cert, f.key);
    UNSCOPED_INFO("loaded");
    return false;
  } catch (const Error& e) {
    UNSCOPED_INFO(e.what());
    return e.code() == code && std::string(e.what()).find(fragment) != std::string::npos;
  }
}

TEST_CASE("TLS context: a certificate and its key load, also with an intermediate CA",
          "[remote][tls]") {
  StorageTempDir dir{"tls-context"};
  TestPki pki(dir.path());
  const CertFiles server = pki.issue("server", "DNS:localhost,IP:127.0.0.1");
  auto ctx = TlsServerContext::load(server.cert, server.key);
  REQUIRE(ctx);
  CHECK(SSL_CTX_get0_certificate(ctx->native()) != nullptr);
  const CertFiles chained = pki.issue_via_intermediate("chained", "IP:127.0.0.1");
  ctx = TlsServerContext::load(chained.cert, chained.key);
  STACK_OF(X509)* chain = nullptr;
  REQUIRE(SSL_CTX_get0_chain_certs(ctx->native(), &chain) == 1);
  CHECK(sk_X509_num(chain) == 1);  // the intermediate is sent to clients
  // One PEM file holding both key and certificate serves as either.
  const fs::path both = dir / "both.pem";
  {
    std::ofstream out(both);
    out << std::ifstream(server.key).rdbuf() << std::ifstream(server.cert).rdbuf();
  }
  CHECK(TlsServerContext::load(both, both));
}

TEST_CASE("TLS context: missing, swapped, encrypted, mismatched or expired files are refused",
          "[remote][tls]") {
  StorageTempDir dir{"tls-context-bad"};
  TestPki pki(dir.path());
  const CertFiles server = pki.issue("server", "IP:127.0.0.1");
  const CertFiles other = pki.issue("other", "IP:127.0.0.1");
  const fs::path nope = dir / "nope.pem";
  CHECK(refused({nope, server.key}, ErrorCode::NotFound, nope.string() + "' does not exist"));
  CHECK(refused({server.cert, dir / "nope.key"}, ErrorCode::NotFound, "--tls-key"));
  CHECK(refused({dir.path(), server.key}, ErrorCode::InvalidArgument, "is a folder"));
  CHECK(refused({server.key, server.key}, ErrorCode::InvalidArgument, "holds no PEM certificate"));
  CHECK(
      refused({server.cert, server.cert}, ErrorCode::InvalidArgument, "holds no PEM private key"));
  CHECK(refused({server.cert, other.key}, ErrorCode::InvalidArgument,
                "is not the private key of TLS certificate '" + server.cert.string() + "'"));
  const fs::path encrypted = dir / "encrypted.key";
  TestPki::write_encrypted_key(server.key, encrypted);
  CHECK(
      refused({server.cert, encrypted}, ErrorCode::InvalidArgument, "encrypted with a passphrase"));
  const CertFiles expired = pki.issue("expired", "IP:127.0.0.1", -10, -1);
  CHECK(refused(expired, ErrorCode::InvalidArgument, "expired at "));
  const CertFiles future = pki.issue("future", "IP:127.0.0.1", 2, 10);
  CHECK(refused(future, ErrorCode::InvalidArgument, "is not valid before "));
  const fs::path garbage = dir / "garbage.pem";
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                            "-----END CERTIFICATE-----\n";
  CHECK(refused({garbage, server.key}, ErrorCode::InvalidArgument, "holds no PEM certificate"));
}

TEST_CASE(
    "TLS context: a server given a certificate without its key, or the reverse, does not "
    "start",
    "[remote][tls]") {
  StorageTempDir dir{"tls-context-half"};
  TestPki pki(dir.path());
  const CertFiles server = pki.issue("server", "IP:127.0.0.1");
  ServerOptions o;
  o.root = dir / "no-repository-needed";  // checked before the repository is opened
  o.tls_cert = server.cert;
  CHECK_THROWS_WITH(Server(o), Catch::Contains("--tls-key KEY.pem is missing"));
  o.tls_cert.reset();
  o.tls_key = server.key;
  CHECK_THROWS_WITH(Server(o), Catch::Contains("--tls-cert CERT.pem is missing"));
  o.tls_cert = dir / "missing.pem";
  CHECK_THROWS_WITH(Server(o), Catch::Contains("does not exist"));
}

}  // namespace
}  // namespace hangar::remote::test
