// A real hangar HTTP server in-process on a free loopback port: clone and push over HTTP,
// tokens (401/403), racing pushes (exactly one wins), a newer protocol, nothing listening,
// and a client that stops mid-push. Each fault leaves both repositories as they were.
#include <hangar/remote/operations.h>
#include <hangar/remote/server.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <fstream>

#include "protocol.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

struct Served {
  StorageTempDir dir{"http"};
  fs::path src = dir / "src";
  Digest base;
  std::unique_ptr<Server> server;
  std::thread thread;

  Served() {
    Repository repo = create_repo(src);
    put_samples(repo, "images", 0, 150, 1);
    base = repo.commit("base");
  }
  ~Served() { stop(); }

  void start(ServerOptions o = {}) {
    o.root = src;
    o.port = 0;
    server = std::make_unique<Server>(o);
    thread = std::thread([this] { server->run(); });
  }
  void stop() {
    if (!server) return;
    server->stop();
    thread.join();
    server.reset();
  }
  std::string url() const { return server->url(); }
  fs::path tokens(const std::string& text) {
    const fs::path p = dir / "tokens";
    std::ofstream(p) << text;
    return p;
  }
  CloneResult clone_to(const fs::path& dst, const std::string& token = "",
                       DataSelection data = {}) {
    CloneOptions o;
    o.url = url();
    o.dir = dst;
    o.data = std::move(data);
    o.transport.token = token;
    return clone(o);
  }
};

Digest commit_more(const fs::path& root, std::uint64_t first, std::uint64_t seed) {
  Repository repo = Repository::open(root, Mode::Write);
  put_samples(repo, "images", first, 2, seed);
  return repo.commit("more");
}

PushResult push_with(const fs::path& root, const std::string& token, bool force = false) {
  Repository repo = Repository::open(root, Mode::Write);
  PushOptions o;
  o.remote = "origin";
  o.force = force;
  o.transport.token = token;
  return push(repo, o);
}

// True when this machine can bind the IPv6 loopback address.
bool has_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

TEST_CASE("HTTP: a server bound to ::1 names itself with brackets, clone and push work",
          "[remote][http][ipv6]") {
  if (!has_ipv6_loopback()) {
    WARN("no IPv6 loopback on this machine: skipped");
    return;
  }
  Served s;
  ServerOptions o;
  o.bind = "::1";
  o.tokens_file = s.tokens("write w\n");
  s.start(o);
  const std::string url = s.url();
  CHECK(url == "http://[::1]:" + std::to_string(s.server->port()));
  const CloneResult full = s.clone_to(s.dir / "v6", "w");
  CHECK(full.stats.chunks == 150);
  {
    Repository repo = Repository::open(s.dir / "v6", Mode::Read);
    CHECK(repo.head() == s.base);
    CHECK(transfer::find_remote_url(repo, "origin") == url);
  }
  const Digest more = commit_more(s.dir / "v6", 500, 7);
  const PushResult pushed = push_with(s.dir / "v6", "w");
  CHECK(pushed.result == "fast-forward");
  CHECK(pushed.stats.chunks == 2);
  s.stop();
  CHECK(Repository::open(s.src, Mode::Read).head() == more);
}

TEST_CASE("HTTP: clone full and partial, fetch-data the rest", "[remote][http]") {
  Served s;
  s.start();
  const CloneResult full = s.clone_to(s.dir / "full");
  CHECK(full.stats.chunks == 150);
  CHECK(full.stats.bytes_received > 150 * 192);
  DataSelection tenth;
  tenth.fraction = 0.1;
  tenth.seed = 3;
  const CloneResult part = s.clone_to(s.dir / "part", "", tenth);
  CHECK(part.stats.chunks > 0);
  CHECK(part.stats.chunks < 40);
  Repository repo = Repository::open(s.dir / "part", Mode::Write);
  const FetchDataResult rest = fetch_data(repo, {"origin", std::nullopt, {}, {}, {}});
  CHECK(rest.stats.chunks == 150 - part.stats.chunks);
  CHECK(repo.checkout_at(s.base).stats("images").local_count == 150);
}

TEST_CASE("HTTP: a bit flipped or a stream cut in transit changes nothing", "[remote][http]") {
  Served s;
  s.start();
  DataSelection none;
  none.none = true;
  const fs::path dst = s.dir / "dst";
  s.clone_to(dst, "", none);
  const Snapshot before = snapshot_at(dst);
  Faults faults;
  FaultScope scope(faults);
  auto fetch_all = [&] {
    Repository repo = Repository::open(dst, Mode::Write);
    return error_of([&] { fetch_data(repo, {"origin", std::nullopt, {}, {}, {}}); });
  };
  faults.flip_at = 20000;
  CHECK(fetch_all().code() == ErrorCode::Corrupt);
  CHECK(snapshot_at(dst) == before);
  faults.flip_at.reset();
  faults.cut_after = 20000;
  CHECK(fetch_all().code() == ErrorCode::Remote);
  CHECK(snapshot_at(dst) == before);
}

TEST_CASE("HTTP: tokens give 401 and 403 with a hint, and change nothing", "[remote][http]") {
  Served s;
  ServerOptions o;
  o.tokens_file = s.tokens("# tokens\nread r-token\nwrite w-token\n");
  s.start(o);
  const fs::path dst = s.dir / "dst";
  Error e = error_of([&] { s.clone_to(dst); });
  CHECK(e.code() == ErrorCode::Remote);
  CHECK(std::string(e.what()).find("401") != std::string::npos);
  CHECK(std::string(e.what()).find("HANGAR_TOKEN") != std::string::npos);
  CHECK(!fs::exists(dst));
  e = error_of([&] { s.clone_to(dst, "wrong"); });
  CHECK(std::string(e.what()).find("not valid") != std::string::npos);
  s.clone_to(dst, "r-token");
  commit_more(dst, 400, 4);
  const Snapshot before = snapshot_at(dst);
  e = error_of([&] { push_with(dst, "r-token"); });
  CHECK(std::string(e.what()).find("403") != std::string::npos);
  CHECK(snapshot_at(dst) == before);
  CHECK(push_with(dst, "w-token").result == "fast-forward");
  s.stop();
  CHECK(Repository::open(s.src, Mode::Read).head() == Repository::open(dst, Mode::Read).head());
}

TEST_CASE("HTTP: a server without tokens is read-only and says so", "[remote][http]") {
  Served s;
  s.start();
  const fs::path dst = s.dir / "dst";
  s.clone_to(dst);
  commit_more(dst, 400, 4);
  const Error e = error_of([&] { push_with(dst, ""); });
  CHECK(e.code() == ErrorCode::Remote);
  CHECK(std::string(e.what()).find("read-only") != std::string::npos);
  s.stop();
  CHECK(Repository::open(s.src, Mode::Read).head() == s.base);
}

TEST_CASE("HTTP: --anonymous-read serves clones without a token", "[remote][http]") {
  Served s;
  ServerOptions o;
  o.tokens_file = s.tokens("write w\n");
  o.anonymous_read = true;
  s.start(o);
  s.clone_to(s.dir / "dst");
  commit_more(s.dir / "dst", 400, 4);
  CHECK(std::string(error_of([&] { push_with(s.dir / "dst", ""); }).what()).find("401") !=
        std::string::npos);
}

TEST_CASE("HTTP: of two racing pushes exactly one wins", "[remote][http]") {
  Served s;
  ServerOptions o;
  o.tokens_file = s.tokens("write w\n");
  s.start(o);
  const fs::path a = s.dir / "a", b = s.dir / "b";
  DataSelection none;
  none.none = true;
  s.clone_to(a, "w", none);
  s.clone_to(b, "w", none);
  for (int round = 0; round < 3; ++round) {
    // Both start from the server's tip, so both pass their own fast-forward check.
    for (const auto* root : {&a, &b}) {
      Repository repo = Repository::open(*root, Mode::Write);
      fetch(repo, {"origin", std::nullopt, {"w", 10, 120}, {}});
    }
    const Digest ca = commit_more(a, 1000 + round * 10, 100 + round);
    const Digest cb = commit_more(b, 2000 + round * 10, 200 + round);
    std::atomic<int> wins{0};
    std::barrier sync(2);
    auto racer = [&](const fs::path& root) {
      sync.arrive_and_wait();
      try {
        push_with(root, "w");
        ++wins;
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::Remote);
      }
    };
    std::thread ta(racer, std::cref(a)), tb(racer, std::cref(b));
    ta.join();
    tb.join();
    CHECK(wins.load() == 1);
    s.stop();
    const auto tip = Repository::open(s.src, Mode::Read).head();
    CHECK((tip == ca || tip == cb));
    s.start(o);
    // Reset both clones onto the server's tip for the next round (merge is not in scope).
    for (const auto* root : {&a, &b}) fs::remove_all(*root);
    s.clone_to(a, "w", none);
    s.clone_to(b, "w", none);
  }
}

// An empty pack: header and trailer only.
class EmptyPack final : public PackSource {
 public:
  ByteView next() override {
    if (done_) return {};
    done_ = true;
    w_.finish();
    return w_.pending();
  }

 private:
  PackWriter w_;
  bool done_ = false;
};

TEST_CASE("HTTP: compare-and-swap refuses an update against a stale ref", "[remote][http]") {
  Served s;
  Digest side;
  {
    Repository repo = Repository::open(s.src, Mode::Write);
    repo.create_branch("side", std::nullopt);
    repo.checkout("side");
    put_samples(repo, "images", 500, 1, 5);
    side = repo.commit("side");
    repo.checkout("main");
  }
  ServerOptions o;
  o.tokens_file = s.tokens("write w\n");
  s.start(o);
  TransportOptions t;
  t.token = "w";
  // Two clients saw main at base; both ask to move it to `side` (a fast-forward).
  auto first = open_transport(s.url(), t), second = open_transport(s.url(), t);
  first->handshake();
  second->handshake();
  const RefUpdate update{"main", s.base, side, false};
  EmptyPack p1, p2;
  CHECK(first->push(std::span<const RefUpdate>(&update, 1), p1).accepted);
  const PushReply late = second->push(std::span<const RefUpdate>(&update, 1), p2);
  CHECK(!late.accepted);
  CHECK(late.reason.find("another push won") != std::string::npos);
  // Not a fast-forward (side -> base) without force: refused; with force: accepted.
  const RefUpdate back{"main", side, s.base, false};
  EmptyPack p3, p4;
  CHECK(!first->push(std::span<const RefUpdate>(&back, 1), p3).accepted);
  const RefUpdate forced{"main", side, s.base, true};
  CHECK(first->push(std::span<const RefUpdate>(&forced, 1), p4).accepted);
  // A bad branch name is a clean error, not a crash.
  const RefUpdate bad{"../x", std::nullopt, side, false};
  EmptyPack p5;
  CHECK(error_of([&] { first->push(std::span<const RefUpdate>(&bad, 1), p5); }).code() ==
        ErrorCode::Remote);
}

TEST_CASE("HTTP: a server speaking only a newer protocol is refused clearly", "[remote][http]") {
  Served s;
  ServerOptions o;
  o.protocol_version = protocol::kVersion + 1;
  s.start(o);
  const Error e = error_of([&] { s.clone_to(s.dir / "dst"); });
  CHECK(e.code() == ErrorCode::Unsupported);
  CHECK(std::string(e.what()).find("upgrade hangar") != std::string::npos);
  CHECK(!fs::exists(s.dir / "dst"));
}

TEST_CASE("HTTP: nothing listening is a clear remote error", "[remote][http]") {
  Served s;
  s.start();
  const std::string url = s.url();
  s.stop();  // the port is free again
  CloneOptions o;
  o.url = url;
  o.dir = s.dir / "dst";
  o.transport.connect_timeout_s = 2;
  o.transport.io_timeout_s = 5;
  const Error e = error_of([&] { clone(o); });
  CHECK(e.code() == ErrorCode::Remote);
  INFO(e.what());
  CHECK(std::string(e.what()).find("nothing is listening") != std::string::npos);
  CHECK(!fs::exists(s.dir / "dst"));
}

// cpp-httplib sets SO_REUSEPORT by default: a second server on the port bound too, and the kernel
// spread connections between two repositories.
TEST_CASE("HTTP: a second server on a port in use is refused clearly", "[remote][http]") {
  Served s;
  s.start();
  const fs::path other = s.dir / "other";
  create_repo(other);
  ServerOptions o;
  o.root = other;
  o.port = s.server->port();
  const Error e = error_of([&] { Server second(o); });
  INFO(e.what());
  CHECK(e.code() == ErrorCode::Io);
  CHECK_THAT(e.what(), Catch::Contains(std::to_string(o.port) + " is already in use"));
  // The first server still answers every connection.
  for (int i = 0; i < 4; ++i) CHECK(s.clone_to(s.dir / ("c" + std::to_string(i))).head == s.base);
}

// A pack that breaks off after its first piece: the client stops mid-push.
class BrokenSource final : public PackSource {
 public:
  ByteView next() override {
    if (++calls_ == 1) return as_bytes(std::string_view("HGPK\x01\0\0\0", 8));
    fail(ErrorCode::Io, "client went away");
  }

 private:
  int calls_ = 0;
};

TEST_CASE("HTTP: a push that breaks off mid-stream changes nothing", "[remote][http]") {
  Served s;
  ServerOptions o;
  o.tokens_file = s.tokens("write w\n");
  s.start(o);
  TransportOptions t;
  t.token = "w";
  auto transport = open_transport(s.url(), t);
  transport->handshake();
  BrokenSource source;
  const RefUpdate update{"main", s.base, s.base, false};
  CHECK(error_of([&] { transport->push(std::span<const RefUpdate>(&update, 1), source); }).code() ==
        ErrorCode::Io);
  // The server is still healthy and unchanged.
  const CloneResult c = s.clone_to(s.dir / "after", "w");
  CHECK(c.head == s.base);
}

}  // namespace
}  // namespace hangar::remote::test
