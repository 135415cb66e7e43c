// An interrupt (hangar/base/interrupt.h) during clone, fetch, fetch-data and push: each stops
// with Interrupted, says what it undid and leaves both repositories as they were; an HTTP request
// waiting on a server that never answers ends at once. The interrupt is requested from the
// progress callback, at a known point of the transfer.
#include <arpa/inet.h>
#include <hangar/base/interrupt.h>
#include <hangar/remote/operations.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

const Shape kBig{64, 64, 3};  // 12 KiB samples: a transfer of 200 spans several pack pieces

struct TwoRepos {
  StorageTempDir dir{"interrupt"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";

  TwoRepos() {
    Repository repo = create_repo(src);
    put_samples(repo, "images", 0, 200, 1, kBig);
    repo.commit("base");
  }
};

// Requests an interrupt when a transfer reports progress in `phase`.
RemoteProgress interrupt_in(std::string phase) {
  return [phase = std::move(phase)](std::string_view p, std::uint64_t, std::uint64_t) {
    if (p == phase) request_interrupt(SIGINT);
  };
}

CloneOptions clone_options(const TwoRepos& t, RemoteProgress progress) {
  CloneOptions o;
  o.url = t.src.string();
  o.dir = t.dst;
  o.progress = std::move(progress);
  return o;
}

TEST_CASE("clone: an interrupt while data arrives removes the new folder", "[remote][interrupt]") {
  InterruptScope scope;
  TwoRepos t;
  const Error e = error_of([&] { clone(clone_options(t, interrupt_in("data"))); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) ==
        "interrupted; removed the unfinished clone '" + t.dst.string() + "'");
  CHECK_FALSE(fs::exists(t.dst));
}

TEST_CASE("clone: an interrupt empties an existing empty folder again", "[remote][interrupt]") {
  InterruptScope scope;
  TwoRepos t;
  fs::create_directories(t.dst);
  const Error e = error_of([&] { clone(clone_options(t, interrupt_in("history"))); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(fs::is_directory(t.dst));
  CHECK(fs::is_empty(t.dst));
}

TEST_CASE("fetch: an interrupt moves no remote-tracking branch", "[remote][interrupt]") {
  InterruptScope scope;
  TwoRepos t;
  clone(clone_options(t, {}));
  {
    Repository src = Repository::open(t.src, Mode::Write);
    put_samples(src, "images", 200, 3, 3, kBig);
    src.commit("more");
  }
  const Snapshot before = snapshot_at(t.dst);
  Repository repo = Repository::open(t.dst, Mode::Write);
  request_interrupt(SIGINT);
  FetchOptions o;
  o.remote = "origin";
  const Error e = error_of([&] { fetch(repo, o); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) ==
        "interrupted; nothing was fetched, no remote-tracking branch moved");
  CHECK(snapshot_of(repo) == before);
}

TEST_CASE("fetch-data: an interrupt stores nothing", "[remote][interrupt]") {
  InterruptScope scope;
  TwoRepos t;
  CloneOptions bare = clone_options(t, {});
  bare.data.none = true;
  clone(bare);
  const Snapshot before = snapshot_at(t.dst);
  Repository repo = Repository::open(t.dst, Mode::Write);
  FetchDataOptions o;
  o.remote = "origin";
  o.progress = interrupt_in("data");
  const Error e = error_of([&] { fetch_data(repo, o); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) == "interrupted; no data was stored");
  CHECK(snapshot_of(repo) == before);
}

TEST_CASE("push: an interrupt while the pack streams changes neither side", "[remote][interrupt]") {
  InterruptScope scope;
  TwoRepos t;
  clone(clone_options(t, {}));
  {
    Repository repo = Repository::open(t.dst, Mode::Write);
    put_samples(repo, "images", 200, 200, 2, kBig);
    repo.commit("more");
  }
  const Snapshot src_before = snapshot_at(t.src);
  const Snapshot dst_before = snapshot_at(t.dst);
  Repository repo = Repository::open(t.dst, Mode::Write);
  PushOptions o;
  o.remote = "origin";
  o.progress = interrupt_in("push");
  const Error e = error_of([&] { push(repo, o); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) == "interrupted; nothing was pushed, the remote branch did not move");
  CHECK(snapshot_of(repo) == dst_before);
  CHECK(snapshot_at(t.src) == src_before);
}

// A loopback socket that accepts connections (the kernel's backlog) and never answers.
struct SilentServer {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
};

TEST_CASE("HTTP: an interrupt ends a request that waits on a silent server", "[remote][http]") {
  InterruptScope scope;
  SilentServer silent;
  auto transport = open_transport("http://127.0.0.1:" + std::to_string(silent.port), {});
  // Before or during the request (its read waits up to io_timeout_s, 120 s): Interrupted.
  std::thread later([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    request_interrupt(SIGINT);
  });
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of([&] { transport->handshake(); });
  later.join();
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

}  // namespace
}  // namespace hangar::remote::test
