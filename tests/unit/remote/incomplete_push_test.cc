// A push that leaves out chunks (issue 15, item 1): a pack from which chunk records were removed
// (its trailer recomputed, so it is well formed) must not move a branch when the remote holds
// neither the chunks nor a copy of them. The remote names how many are missing and which, and
// keeps nothing of the push; an honest push afterwards is taken.
#include <hangar/maintenance.h>

#include <fstream>
#include <set>

#include "push_test_util.h"

namespace hangar::remote::test {
namespace {

// Re-frames a pack without the chunk records in `drop` (all of them when empty).
class Stripper final : public RecordHandler {
 public:
  explicit Stripper(const std::set<Digest>& drop) : drop_(drop) {}
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    writer_.add_object(type, id, canonical);
  }
  void on_chunk(const transfer::StoredChunk& c) override {
    if (drop_.empty() || drop_.count(c.id) != 0) {
      ++dropped;
      return;
    }
    writer_.add_chunk(c);
  }
  Bytes finish() {
    writer_.finish();
    return Bytes(writer_.pending().begin(), writer_.pending().end());
  }
  int dropped = 0;

 private:
  const std::set<Digest>& drop_;
  PackWriter writer_;
};

Bytes strip(ByteView pack, const std::set<Digest>& drop, int& dropped) {
  Stripper s(drop);
  PackReader reader("honest pack", s);
  reader.write(pack);
  reader.finish();
  dropped = s.dropped;
  return s.finish();
}

// Pushes `t.tip` with the chunks in `drop` (every chunk when empty) left out of the pack: refused,
// naming the count and a missing chunk, and nothing stored or moved.
void check_incomplete_push_refused(Transport& transport, PushSetup& t,
                                   const std::set<Digest>& drop) {
  REQUIRE(t.new_chunks.size() == 2);
  int dropped = 0;
  BytesSource pack(strip(t.honest, drop, dropped));
  const int expected = drop.empty() ? 2 : static_cast<int>(drop.size());
  REQUIRE(dropped == expected);
  const Digest missing = drop.empty() ? t.new_chunks[0] : *drop.begin();
  const Snapshot before = snapshot_at(t.src);
  const RefUpdate update{"main", t.base, t.tip, false};
  transport.handshake();
  const Error e = error_of([&] { transport.push(std::span<const RefUpdate>(&update, 1), pack); });
  INFO(e.what());
  CHECK((e.code() == ErrorCode::Remote || e.code() == ErrorCode::Corrupt));
  CHECK_THAT(e.what(), Catch::Contains(std::to_string(expected) + " chunk"));
  CHECK_THAT(e.what(), Catch::Contains(missing.hex()));
  CHECK(snapshot_at(t.src) == before);
  CHECK_FALSE(holds_commit(t.src, t.tip));
  for (const auto& c : t.new_chunks) CHECK_FALSE(holds_chunk(t.src, c));
  CHECK(tmp_is_empty(t.src));
}

// The honest push of the same commit afterwards is taken, and every sample reads.
void check_honest_push_then(const std::string& url, const std::string& token, PushSetup& t) {
  {
    Repository repo = Repository::open(t.dst, Mode::Write);
    transfer::set_remote_url(repo, "origin", url);
    PushOptions o;
    o.remote = "origin";
    o.transport.token = token;
    CHECK(push(repo, o).result == "fast-forward");
  }
  Repository server = Repository::open(t.src, Mode::Read);
  CHECK(server.find_branch("main") == t.tip);
  const FsckReport report = fsck(server, false);
  CHECK(report.ok());
  CHECK(report.not_local == 0);
}

ServerOptions writable_server(PushSetup& t) {
  ServerOptions o;
  o.root = t.src;
  o.port = 0;
  o.tokens_file = t.dir / "tokens";
  std::ofstream(*o.tokens_file) << "write w\n";
  return o;
}

TEST_CASE("Incomplete push: a pack without one of its chunks is refused by a server",
          "[remote][push][http]") {
  PushSetup t("incomplete-push");
  const ServerOptions o = writable_server(t);
  {
    Running running(o);
    TransportOptions to;
    to.token = "w";
    auto transport = open_transport(running.server.url(), to);
    check_incomplete_push_refused(*transport, t, {t.new_chunks[1]});
  }
  Running running(o);
  check_honest_push_then(running.server.url(), "w", t);
}

TEST_CASE("Incomplete push: a pack without any chunk is refused by a server",
          "[remote][push][http]") {
  PushSetup t("incomplete-push");
  const ServerOptions o = writable_server(t);
  {
    Running running(o);
    TransportOptions to;
    to.token = "w";
    auto transport = open_transport(running.server.url(), to);
    check_incomplete_push_refused(*transport, t, {});
  }
  Running running(o);
  check_honest_push_then(running.server.url(), "w", t);
}

TEST_CASE("Incomplete push: a pack without its chunks is refused by a path remote",
          "[remote][push]") {
  PushSetup t("incomplete-push");
  {
    auto transport = open_transport(t.src.string(), {});
    check_incomplete_push_refused(*transport, t, {t.new_chunks[0]});
  }
  {
    auto transport = open_transport(t.src.string(), {});
    check_incomplete_push_refused(*transport, t, {});
  }
  check_honest_push_then(t.src.string(), "", t);
}

// Chunks the remote already holds need not be in the pack: a sample equal to one the remote has
// (same chunk) pushes without its chunk record.
TEST_CASE("Incomplete push: chunks the remote already holds may be left out",
          "[remote][push]") {
  StorageTempDir dir("incomplete-push");
  const fs::path src = dir / "src", dst = dir / "dst";
  Digest base;
  {
    Repository repo = create_repo(src);
    put_samples(repo, "images", 0, 3, 1, kShape);
    base = repo.commit("base");
  }
  CloneOptions co;
  co.url = src.string();
  co.dir = dst;
  clone(co);
  Repository repo = Repository::open(dst, Mode::Write);
  put_samples(repo, "copies", 0, 3, 1, kShape);  // the same bytes under another column
  const Digest tip = repo.commit("copies");
  transfer::HistoryReader history(repo);
  const Digest haves[] = {base};
  PushPlan plan = plan_push(history, tip, haves);
  REQUIRE(plan.chunks.size() == 3);
  PackProducer producer(repo, std::move(history), std::move(plan.objects), {});
  BytesSource pack(drain(producer));
  auto transport = open_transport(src.string(), {});
  transport->handshake();
  const RefUpdate update{"main", base, tip, false};
  CHECK(transport->push(std::span<const RefUpdate>(&update, 1), pack).accepted);
  transport.reset();
  CHECK(holds_commit(src, tip));
}

}  // namespace
}  // namespace hangar::remote::test
