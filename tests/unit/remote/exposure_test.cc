// What a server's address and auth expose: the warnings 'hangar server'
// prints, decided in one place (exposure_warnings); TLS silences the tokens case (tls_test.cc).
#include <hangar/remote/server.h>

#include <catch2/catch.hpp>

namespace hangar::remote::test {
namespace {

TEST_CASE("Exposure: loopback addresses are told from the rest", "[remote][exposure]") {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "::ffff:127.0.0.1"}) {
    INFO(a);
    CHECK(is_loopback_address(a));
  }
  // A host name that merely starts with "127." resolves to anything.
  for (const char* a : {"0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "::ffff:10.0.0.1",
                        "example.org", "127.example.org", ""}) {
    INFO(a);
    CHECK_FALSE(is_loopback_address(a));
  }
}

TEST_CASE("Exposure: a server beyond loopback warns, about tokens in clear when it has them",
          "[remote][exposure]") {
  ServerOptions o;
  CHECK(exposure_warnings(o).empty());  // 127.0.0.1
  o.tokens_file = "tokens";
  CHECK(exposure_warnings(o).empty());
  o.bind = "0.0.0.0";
  auto w = exposure_warnings(o);
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::Contains("0.0.0.0") && Catch::Contains("without TLS") &&
                       Catch::Contains("tokens and data travel in clear") &&
                       Catch::Contains("--tls-cert"));
  o.tokens_file.reset();
  w = exposure_warnings(o);
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0],
             Catch::Contains("anyone who can reach it can read") && Catch::Contains("--tokens"));
}

}  // namespace
}  // namespace hangar::remote::test
