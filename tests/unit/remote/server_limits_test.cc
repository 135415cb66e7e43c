// A server that connections cannot take down: with 64 connections open that
// sent nothing, half a request head, or a head and part of a body, a real clone still gets its
// answers at once; heads that stall or grow too large are answered and closed; connections
// over the limit are refused at once with a clear message.
#include <hangar/remote/operations.h>
#include <hangar/remote/server.h>

#include <chrono>
#include <vector>

#include "raw_socket.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Served {
  StorageTempDir dir{"server-limits"};
  fs::path src = dir / "src";
  Digest base;
  std::unique_ptr<Server> server;
  std::thread thread;

  explicit Served(ServerOptions o = {}) {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, 100, 1);
      base = repo.commit("base");
    }
    o.root = src;
    o.port = 0;
    server = std::make_unique<Server>(o);
    thread = std::thread([this] { server->run(); });
  }
  ~Served() {
    server->stop();
    thread.join();
  }
  int port() const { return server->port(); }

  CloneResult clone_to(const fs::path& dst) {
    CloneOptions o;
    o.url = server->url();
    o.dir = dst;
    o.transport.io_timeout_s = 300;  // the bound is checked by the test, not by a timeout
    return clone(o);
  }
};

// `n` connections, in turn: silent, half a request head, a whole head and part of its body.
std::vector<RawSocket> hostile_connections(int port, int n) {
  std::vector<RawSocket> out;
  for (int i = 0; i < n; ++i) {
    RawSocket& s = out.emplace_back(port);
    if (i % 3 == 1) s.send_all("GET /hangar/refs HTTP/1.1\r\nHost: 127.0.0.1\r\nHangar-Pro");
    if (i % 3 == 2)
      s.send_all(
          "POST /hangar/history HTTP/1.1\r\nHost: 127.0.0.1\r\nHangar-Protocol: 2\r\n"
          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"want\": [");
  }
  std::this_thread::sleep_for(milliseconds(200));  // the server has accepted them all
  return out;
}

TEST_CASE("Server limits: a clone is served at once with 64 idle or half-sent connections open",
          "[remote][http][limits]") {
  Served s;
  const auto connecting = Clock::now();
  std::vector<RawSocket> hostile = hostile_connections(s.port(), 64);
  const auto connected = std::chrono::duration_cast<milliseconds>(Clock::now() - connecting);
  WARN("64 connections made in " << connected.count() << " ms");
  CHECK(connected < milliseconds(2000));  // no SYN dropped for a short accept backlog
  const auto start = Clock::now();
  const CloneResult c = s.clone_to(s.dir / "dst");
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  WARN("clone of 100 samples with 64 hostile connections open: " << took.count() << " ms");
  CHECK(c.head == s.base);
  CHECK(c.stats.chunks == 100);
  CHECK(took < milliseconds(5000));
}

// Whole seconds from `start` to now, for messages.
long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
}

TEST_CASE("Server limits: a request head that stalls is answered 408 and closed",
          "[remote][http][limits]") {
  ServerOptions o;
  o.head_timeout = milliseconds(500);
  Served s(o);
  RawSocket half(s.port());
  const auto start = Clock::now();
  half.send_all("GET /hangar/refs HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool closed = false;
  const std::string reply = half.read_until_closed(milliseconds(5000), &closed);
  INFO(reply);
  CHECK(closed);
  CHECK(reply.rfind("HTTP/1.1 408 ", 0) == 0);
  CHECK_THAT(reply, Catch::Contains("{\"error\"") && Catch::Contains("500 ms"));
  CHECK(ms_since(start) < 3000);
}

TEST_CASE("Server limits: a connection that sends nothing is closed without a reply",
          "[remote][http][limits]") {
  ServerOptions o;
  o.head_timeout = milliseconds(300);
  o.idle_timeout = milliseconds(300);
  Served s(o);
  RawSocket idle(s.port());
  bool closed = false;
  const auto start = Clock::now();
  CHECK(idle.read_until_closed(milliseconds(5000), &closed).empty());
  CHECK(closed);
  CHECK(ms_since(start) < 3000);
  // After a request, keep-alive ends after the idle timeout.
  RawSocket kept(s.port());
  kept.send_all("GET /hangar/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string reply = kept.read_until_closed(milliseconds(5000), &closed);
  CHECK(reply.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(closed);
}

TEST_CASE("Server limits: connections over the limit are answered 503 at once",
          "[remote][http][limits]") {
  ServerOptions o;
  o.max_connections = 8;
  Served s(o);
  {
    std::vector<RawSocket> held = hostile_connections(s.port(), 8);
    const auto start = Clock::now();
    const Error e = error_of([&] { s.clone_to(s.dir / "refused"); });
    INFO(e.what());
    CHECK(e.code() == ErrorCode::Remote);
    CHECK_THAT(e.what(), Catch::Contains("503") && Catch::Contains("server busy") &&
                             Catch::Contains("--max-connections"));
    CHECK(ms_since(start) < 3000);
    CHECK_FALSE(fs::exists(s.dir / "refused"));
  }
  // Closed connections free their places at once.
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(s.clone_to(s.dir / "dst").head == s.base);
}

TEST_CASE("Server limits: a request head over the limit is answered 431",
          "[remote][http][limits]") {
  Served s;
  std::string request = "GET /hangar/info HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; request.size() < (80u << 10); ++i)
    request += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
  RawSocket big(s.port());
  big.send_all(request + "\r\n");
  const std::string reply = big.read_until_closed(milliseconds(5000));
  INFO(reply.substr(0, 300));
  CHECK(reply.rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK_THAT(reply, Catch::Contains("request head too large"));
  // A normal request on a new connection is answered.
  const std::string ok = raw_exchange(
      s.port(), "GET /hangar/info HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(ok.rfind("HTTP/1.1 200 ", 0) == 0);
}

TEST_CASE("Server limits: a stopping server closes idle connections at once",
          "[remote][http][limits]") {
  auto s = std::make_unique<Served>();
  std::vector<RawSocket> idle = hostile_connections(s->port(), 6);
  const auto start = Clock::now();
  s.reset();  // stop() and join
  CHECK(ms_since(start) < 2000);
}

}  // namespace
}  // namespace hangar::remote::test
