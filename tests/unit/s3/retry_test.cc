// Retries with backoff on 5xx/429, against a fake endpoint (cpp-httplib on loopback) that fails
// on purpose: RGW cannot be made to answer 503 on demand.
#include <hangar/s3/client.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace hangar;
using namespace hangar::s3;
using Catch::Matchers::Contains;

namespace {

// Answers `failures` requests with `status`, then 200.
struct FlakyEndpoint {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> seen{0};
  FlakyEndpoint(int failures, int status) {
    auto handler = [this, failures, status](const httplib::Request&, httplib::Response& res) {
      if (seen++ < failures) {
        res.status = status;
        res.set_content(status == 503 ? "<Error><Code>SlowDown</Code></Error>"
                                      : "<Error><Code>InternalError</Code></Error>",
                        "application/xml");
        return;
      }
      res.status = 200;
      res.set_content("ok", "text/plain");
    };
    server.Put(".*", handler);
    server.Get(".*", handler);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FlakyEndpoint() {
    server.stop();
    thread.join();
  }
  ClientOptions options() const {
    ClientOptions o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(port);
    o.bucket = "fake";
    o.backoff_base = std::chrono::milliseconds(5);
    o.max_retries = 3;
    return o;
  }
};

const Credentials kCreds{"AKID", "secret", "", "test"};

}  // namespace

TEST_CASE("503 SlowDown and 500 are retried until they pass", "[s3][retry]") {
  for (int status : {503, 500, 429}) {
    FlakyEndpoint fake(2, status);
    Client c(fake.options(), kCreds);
    c.put("k", to_bytes(std::string_view("v")));
    CHECK(fake.seen.load() == 3);
    CHECK(c.stats().retries.load() == 2);
  }
}

TEST_CASE("retries end with an error naming the status", "[s3][retry]") {
  FlakyEndpoint slow(100, 503);
  Client c(slow.options(), kCreds);
  try {
    c.put("k", {});
    FAIL("no error");
  } catch (const S3Error& e) {
    CHECK(e.problem() == Problem::Throttled);
    CHECK_THAT(e.what(), Contains("503 SlowDown") && Contains("4 times"));
  }
  CHECK(slow.seen.load() == 4);

  FlakyEndpoint broken(100, 500);
  Client b(broken.options(), kCreds);
  try {
    (void)b.get("k");
    FAIL("no error");
  } catch (const S3Error& e) {
    CHECK(e.problem() == Problem::ServerError);
  }
}
