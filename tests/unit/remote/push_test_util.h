// Helpers for the tests that push hand-made packs to a remote (forged_test, incomplete_push_test):
// a source/clone pair with the honest pack of a push, a prepared pack as a PackSource, an
// in-process server on a free loopback port, checks that a remote holds something, and the
// refused push then the honest one.
#pragma once

#include <hangar/maintenance.h>
#include <hangar/remote/operations.h>
#include <hangar/remote/server.h>

#include <fstream>

#include "negotiate.h"
#include "remote_test_util.h"

namespace hangar::remote::test {

inline const Shape kShape = {16, 16, 3};  // random bytes: incompressible, so stored raw

// Hands out one prepared pack.
class BytesSource final : public PackSource {
 public:
  explicit BytesSource(Bytes b) : bytes_(std::move(b)) {}
  ByteView next() override {
    if (done_) return {};
    done_ = true;
    return bytes_;
  }

 private:
  Bytes bytes_;
  bool done_ = false;
};

// A hangar server on a free loopback port for the scope of a block.
struct Running {
  Server server;
  std::thread thread;
  explicit Running(const ServerOptions& o) : server(o), thread([this] { server.run(); }) {}
  ~Running() {
    server.stop();
    thread.join();
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
};

inline bool holds_chunk(const fs::path& root, const Digest& id) {
  Repository repo = Repository::open(root, Mode::Read);
  const Digest one[] = {id};
  return transfer::missing_chunks(repo, one).empty();
}

inline bool holds_commit(const fs::path& root, const Digest& id) {
  Repository repo = Repository::open(root, Mode::Read);
  return transfer::HistoryReader(repo).has_commit(id);
}

// No spool file or other leftover in the repository's temporary folder.
inline bool tmp_is_empty(const fs::path& root) {
  const fs::path tmp = root / ".hangar" / "tmp";
  return !fs::exists(tmp) || fs::is_empty(tmp);
}

// `src` (the remote) with kShape images 0..19 at `base`; `dst` a full clone of it with two more
// samples committed at `tip`, and the honest pack a push of `tip` sends.
struct PushSetup {
  StorageTempDir dir;
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Digest base, tip;
  Bytes honest;
  std::vector<Digest> new_chunks;

  explicit PushSetup(const std::string& name = "push") : dir(name) {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, 20, 1, kShape);
      base = repo.commit("base");
    }
    CloneOptions co;
    co.url = src.string();
    co.dir = dst;
    clone(co);
    Repository repo = Repository::open(dst, Mode::Write);
    put_samples(repo, "images", 20, 2, 2, kShape);
    tip = repo.commit("two more");
    transfer::HistoryReader history(repo);
    const Digest haves[] = {base};
    PushPlan plan = plan_push(history, tip, haves);
    new_chunks = plan.chunks;
    PackProducer producer(repo, std::move(history), std::move(plan.objects), plan.chunks);
    honest = drain(producer);
  }
};

// A server of t.src that takes pushes with token "w".
inline ServerOptions writable_server(const PushSetup& t) {
  ServerOptions o;
  o.root = t.src;
  o.port = 0;
  o.tokens_file = t.dir / "tokens";
  std::ofstream(*o.tokens_file) << "write w\n";
  return o;
}

// Runs `check(transport)` against the HTTP server of writable_server(t), token "w".
template <typename Check>
void over_http(PushSetup& t, Check&& check) {
  Running running(writable_server(t));
  TransportOptions to;
  to.token = "w";
  auto transport = open_transport(running.server.url(), to);
  check(*transport);
}

// Pushes `pack` as the update of 'main' from t.base to t.tip: the error it must fail with,
// after checking that nothing of it took effect: no ref moved, no commit, no temporary file. A
// server stores a push's chunks as they arrive, each verified first, so a new chunk the pack
// carried intact may stay (unreferenced, for gc): then it must hold the right bytes.
inline Error refused_push(Transport& transport, PushSetup& t, Bytes pack) {
  BytesSource source(std::move(pack));
  const Snapshot before = snapshot_at(t.src);
  const RefUpdate update{"main", t.base, t.tip, false};
  transport.handshake();
  const Error e = error_of([&] { transport.push(std::span<const RefUpdate>(&update, 1), source); });
  CHECK(snapshot_at(t.src) == before);
  CHECK_FALSE(holds_commit(t.src, t.tip));
  const FsckReport kept = fsck(Repository::open(t.src, Mode::Read), true);
  CHECK(kept.ok());
  CHECK(tmp_is_empty(t.src));
  return e;
}

// Whether, after a refused push, the honest push of t.tip to `url` is taken, and the remote
// then serves the real bytes of the new samples and checks clean (what is not says UNSCOPED_INFO).
inline bool honest_push_taken(const std::string& url, const std::string& token, PushSetup& t) {
  std::string result;
  {
    Repository repo = Repository::open(t.dst, Mode::Write);
    transfer::set_remote_url(repo, "origin", url);
    PushOptions o;
    o.remote = "origin";
    o.transport.token = token;
    result = push(repo, o).result;
  }
  UNSCOPED_INFO("push: " << result);
  if (result != "fast-forward" || !holds_commit(t.src, t.tip)) return false;
  Repository server = Repository::open(t.src, Mode::Read);
  Repository mine = Repository::open(t.dst, Mode::Read);
  if (server.find_branch("main") != t.tip) return false;
  const Checkout a = server.checkout_at(t.tip), b = mine.checkout_at(t.tip);
  for (std::uint64_t k = 20; k < 22; ++k) {
    UNSCOPED_INFO("sample " << k);
    if (a.get("images", key_of(k)) != b.get("images", key_of(k))) return false;
  }
  const FsckReport report = fsck(server, false);
  UNSCOPED_INFO("fsck ok " << report.ok() << ", not local " << report.not_local);
  return report.ok() && report.not_local == 0;
}

// honest_push_taken over the HTTP server of writable_server(t) or, when `path_remote`, over
// t.src as a path remote.
inline bool honest_push_taken(PushSetup& t, bool path_remote) {
  if (path_remote) return honest_push_taken(t.src.string(), "", t);
  Running running(writable_server(t));
  return honest_push_taken(running.server.url(), "w", t);
}

}  // namespace hangar::remote::test
