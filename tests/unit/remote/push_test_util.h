// Helpers for the tests that push hand-made packs to a remote (forged_test, incomplete_push_test):
// a source/clone pair with the honest pack of a push, a prepared pack as a PackSource, an
// in-process server on a free loopback port, and checks that a remote holds something.
#pragma once

#include <hangar/remote/operations.h>
#include <hangar/remote/server.h>

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

}  // namespace hangar::remote::test
