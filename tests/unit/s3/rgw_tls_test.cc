// The S3 client over HTTPS against the real Ceph RGW's TLS endpoint (a certificate for
// 127.0.0.1 from the fixture's private CA): TlsOptions decides what is trusted, as
// SSL_CERT_FILE / SSL_CERT_DIR do for OpenSSL tools; a certificate that cannot be verified is
// Problem::Tls, never retried, with a message naming the trust store and the ways out.
#include <hangar/s3/client.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "rgw_env.h"

using namespace hangar;
using namespace hangar::s3;
using namespace hangar::s3::testing;
using Catch::Matchers::Contains;

namespace {

ClientOptions tls_options() {
  ClientOptions o = rgw_options();
  o.endpoint = rgw_env().at("HANGAR_S3_TLS_ENDPOINT");
  o.tls = TlsOptions{};  // neither SSL_CERT_FILE nor SSL_CERT_DIR: the system's CAs
  o.max_retries = 2;
  return o;
}

}  // namespace

TEST_CASE("TlsOptions::from_env takes SSL_CERT_FILE and SSL_CERT_DIR", "[s3][tls]") {
  ::setenv("SSL_CERT_FILE", "/x/ca.pem", 1);
  ::setenv("SSL_CERT_DIR", "/x/certs", 1);
  TlsOptions t = TlsOptions::from_env();
  CHECK(t.ca_file == "/x/ca.pem");
  CHECK(t.ca_dir == "/x/certs");
  CHECK_FALSE(t.insecure);  // no environment variable turns verification off
  CHECK(ClientOptions{}.tls.ca_file == "/x/ca.pem");  // the default of every client
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  t = TlsOptions::from_env();
  CHECK(t.ca_file.empty());
  CHECK(t.ca_dir.empty());
}

TEST_CASE("HTTPS to RGW: verified with the private CA, refused without it", "[s3][rgw][tls]") {
  const std::string ca = rgw_env().at("HANGAR_S3_TLS_CA");
  const std::string p = unique_prefix("tls");
  const Bytes data = pattern_bytes(5000, 3);

  SECTION("the system's CAs do not know the private CA: Problem::Tls, not retried") {
    Client c(tls_options(), rgw_credentials());
    try {
      c.put(p + "x", data);
      FAIL("accepted");
    } catch (const S3Error& e) {
      CHECK(e.problem() == Problem::Tls);
      CHECK_THAT(e.what(), Contains("cannot verify the TLS certificate of the object store at " +
                                    tls_options().endpoint) &&
                               Contains("the system's CA certificates") &&
                               Contains("SSL_CERT_FILE=CA.pem") && Contains("--insecure"));
    }
    CHECK(c.stats().retries == 0);
  }
  SECTION("a CA file that does not exist") {
    ClientOptions o = tls_options();
    o.tls.ca_file = "/nonexistent/ca.pem";
    o.tls.insecure_flag = "--s3-insecure";
    Client c(o, rgw_credentials());
    try {
      c.check_bucket();
      FAIL("accepted");
    } catch (const S3Error& e) {
      CHECK(e.problem() == Problem::Tls);
      CHECK_THAT(e.what(), Contains("SSL_CERT_FILE '/nonexistent/ca.pem' (which cannot be read"));
    }
  }
  SECTION("with the CA: signed requests and presigned URLs work") {
    ClientOptions o = tls_options();
    o.tls.ca_file = ca;
    Client c(o, rgw_credentials());
    c.put(p + "x", data);
    CHECK(c.get(p + "x") == data);
    const std::string url = c.presign(Method::Get, p + "x", std::chrono::seconds{60});
    CHECK(url.starts_with("https://"));
    UrlClient urls(o);
    Bytes got;
    CHECK(urls.get_to(url, 0, 0, [&](ByteView b) { got.insert(got.end(), b.begin(), b.end()); }));
    CHECK(got == data);
    UrlClient system_cas(tls_options());
    try {
      system_cas.get_to(url, 0, 0, [](ByteView) {});
      FAIL("accepted");
    } catch (const S3Error& e) {
      CHECK(e.problem() == Problem::Tls);
    }
    ClientOptions insecure = tls_options();
    insecure.tls.insecure = true;
    UrlClient unchecked(insecure);
    got.clear();
    CHECK(unchecked.get_to(url, 0, 0,
                           [&](ByteView b) { got.insert(got.end(), b.begin(), b.end()); }));
    CHECK(got == data);
  }
}
