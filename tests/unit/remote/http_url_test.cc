// Remote URLs over HTTP and HTTPS (http_url.h): schemes, default ports, IPv6 literals, paths,
// and malformed URLs refused with the part that is wrong.
#include "http_url.h"

#include <hangar/error.h>
#include <hangar/remote/transport.h>

#include <catch2/catch.hpp>

namespace hangar::remote::test {
namespace {

TEST_CASE("HttpUrl: http and https, with and without a port and a path", "[remote][url]") {
  HttpUrl u = parse_http_url("http://127.0.0.1:8080");
  CHECK_FALSE(u.tls);
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 8080);
  CHECK(u.prefix.empty());

  u = parse_http_url("https://data.example.org");
  CHECK(u.tls);
  CHECK(u.host == "data.example.org");
  CHECK(u.port == 443);

  u = parse_http_url("http://localhost");
  CHECK(u.port == 80);

  u = parse_http_url("https://localhost:8443/team/photos//");
  CHECK(u.tls);
  CHECK(u.port == 8443);
  CHECK(u.prefix == "/team/photos");

  u = parse_http_url("https://[::1]:9000/x");
  CHECK(u.host == "::1");
  CHECK(u.port == 9000);
  CHECK(u.prefix == "/x");
  CHECK(parse_http_url("https://[fe80::1]").port == 443);
}

TEST_CASE("HttpUrl: an IPv6 address is written back in brackets", "[remote][url]") {
  CHECK(format_http_url(false, "::1", 8080) == "http://[::1]:8080");
  CHECK(format_http_url(true, "fe80::1%lo", 443) == "https://[fe80::1%lo]:443");
  CHECK(format_http_url(false, "[::1]", 1) == "http://[::1]:1");  // already in brackets
  CHECK(format_http_url(false, "127.0.0.1", 80) == "http://127.0.0.1:80");
  CHECK(format_http_url(true, "data.example.org", 8443) == "https://data.example.org:8443");
  for (const std::string host : {"::1", "2001:db8::7", "127.0.0.1", "localhost"}) {
    INFO(host);
    const HttpUrl u = parse_http_url(format_http_url(true, host, 9000));
    CHECK(u.tls);
    CHECK(u.host == host);
    CHECK(u.port == 9000);
  }
}

TEST_CASE("HttpUrl: malformed URLs are refused, naming what is wrong", "[remote][url]") {
  const std::pair<const char*, const char*> cases[] = {
      {"http://", "no host"},
      {"https://:8443", "no host"},
      {"https://host:", "port '' is not a number"},
      {"https://host:http", "port 'http' is not a number"},
      {"https://host:70000", "out of range"},
      {"https://host:0", "out of range"},
      {"https://[::1", "no ']'"},
      {"https://[::1]x", "after the IPv6 address"},
      {"https://[::1]:", "port '' is not a number"},
      {"https://ada:secret@host:1", "HANGAR_TOKEN"},
      {"ftp://host", "not an http:// or https:// URL"},
  };
  for (const auto& [url, why] : cases) {
    INFO(url);
    try {
      parse_http_url(url);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK_THAT(e.what(), Catch::Contains(why) && Catch::Contains("https://HOST:PORT"));
    }
  }
}

TEST_CASE("HttpUrl: https:// is an HTTP remote, other schemes are not", "[remote][url]") {
  CHECK(is_http_url("http://h:1"));
  CHECK(is_http_url("https://h:1"));
  CHECK_FALSE(is_http_url("HTTPS://h:1"));
  CHECK_FALSE(is_http_url("s3://bucket/prefix"));
  CHECK_FALSE(is_http_url("/data/photos"));
  TransportOptions o;
  CHECK_FALSE(o.insecure);  // verification is on unless asked otherwise
  try {
    open_transport("ftp://h/x", o);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("https://HOST:PORT"));
  }
  // Parsed when the transport is made, before any connection.
  CHECK_THROWS_AS(open_transport("https://h:99999", o), Error);
}

}  // namespace
}  // namespace hangar::remote::test
