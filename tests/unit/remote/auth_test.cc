// Bearer tokens on the wire: the Authorization scheme is case-insensitive
// (RFC 9110 11.1), another scheme is refused naming it, and a token too long for a request
// header is a clear error on the client and, from any other client, a 431 with a message.
#include "auth.h"

#include <hangar/remote/operations.h>
#include <hangar/remote/server.h>

#include <fstream>

#include "raw_socket.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

struct Served {
  StorageTempDir dir{"auth"};
  fs::path src = dir / "src";
  std::unique_ptr<Server> server;
  std::thread thread;

  Served() {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, 3, 1);
      repo.commit("base");
    }
    ServerOptions o;
    o.root = src;
    o.port = 0;
    o.tokens_file = dir / "tokens";
    std::ofstream(*o.tokens_file) << "read r-token\nwrite w-token\n";
    server = std::make_unique<Server>(o);
    thread = std::thread([this] { server->run(); });
  }
  ~Served() {
    server->stop();
    thread.join();
  }
  // The reply to GET /hangar/refs with `authorization` as the Authorization header line.
  std::string refs_with(const std::string& authorization) const {
    return raw_exchange(server->port(),
                        "GET /hangar/refs HTTP/1.1\r\nHost: 127.0.0.1\r\nHangar-Protocol: 2\r\n" +
                            authorization + "\r\nConnection: close\r\n\r\n");
  }
};

bool status_is(const std::string& reply, int status) {
  return reply.rfind("HTTP/1.1 " + std::to_string(status) + " ", 0) == 0;
}

TEST_CASE("Auth: the bearer scheme is case-insensitive", "[remote][http][auth]") {
  Served s;
  for (const std::string scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    INFO(scheme);
    const std::string reply = s.refs_with("Authorization: " + scheme + " r-token");
    INFO(reply.substr(0, 300));
    CHECK(status_is(reply, 200));
  }
  // Header names are case-insensitive too, and RFC 9110 allows several spaces.
  CHECK(status_is(s.refs_with("authorization: bearer   r-token"), 200));
  CHECK(status_is(s.refs_with("Authorization: bearer wrong"), 401));
}

TEST_CASE("Auth: another scheme is refused naming it", "[remote][http][auth]") {
  Served s;
  const std::string reply = s.refs_with("Authorization: Basic cjp0b2tlbg==");
  INFO(reply);
  CHECK(status_is(reply, 401));
  CHECK_THAT(reply, Catch::Contains("'Basic'") && Catch::Contains("Bearer"));
}

// Found by fuzz/protocol_fuzz.cc: the refusal quotes the scheme, and a scheme that is not UTF-8
// made the JSON error document throw, so the client got a bare 500 instead of the 401.
TEST_CASE("Auth: a scheme that is not UTF-8 is refused with 401 and a JSON message",
          "[remote][http][auth]") {
  Served s;
  const std::string reply = s.refs_with("Authorization: B\x92sic r-token");
  INFO(reply);
  CHECK(status_is(reply, 401));
  CHECK_THAT(reply, Catch::Contains("{\"error\"") && Catch::Contains("'B\xEF\xBF\xBDsic'"));
}

TEST_CASE("Auth: bearer_token parses the scheme case-insensitively", "[remote][auth]") {
  CHECK(bearer_token("Bearer abc").token == "abc");
  CHECK(bearer_token("bearer abc").token == "abc");
  CHECK(bearer_token("BEARER  abc").token == "abc");
  CHECK(bearer_token("").token.empty());
  CHECK_FALSE(bearer_token("").present);
  CHECK(bearer_token("Basic abc").present);
  CHECK(bearer_token("Basic abc").token.empty());
  CHECK(bearer_token("Basic abc").scheme == "Basic");
  CHECK(bearer_token("Bearer").token.empty());
  CHECK(bearer_token("Bearer").is_bearer);
  CHECK_FALSE(bearer_token("Basic abc").is_bearer);
  CHECK(bearer_token("Bearerabc").token.empty());
}

TEST_CASE("Auth: a token too long for a header is a clear error on the client",
          "[remote][http][auth]") {
  Served s;
  CloneOptions o;
  o.url = s.server->url();
  o.dir = s.dir / "dst";
  o.transport.token = std::string(100000, 'x');
  const Error e = error_of([&] { clone(o); });
  INFO(e.what());
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("HANGAR_TOKEN") && Catch::Contains("too long"));
  CHECK_FALSE(fs::exists(o.dir));
}

TEST_CASE("Auth: a header line too long is answered 431 with a message", "[remote][http][auth]") {
  Served s;
  const std::string reply = s.refs_with("Authorization: Bearer " + std::string(100000, 'x'));
  INFO(reply.substr(0, 400));
  CHECK(status_is(reply, 431));
  CHECK_THAT(reply, Catch::Contains("{\"error\"") && Catch::Contains("too large"));
}

}  // namespace
}  // namespace hangar::remote::test
