// A push that leaves out chunks: a pack from which chunk records were removed
// (its trailer recomputed, so it is well formed) must not move a branch when the remote holds
// neither the chunks nor a copy of them. The remote names how many are missing and which, and
// keeps none of the push's history (the chunks it carried may stay, unreferenced, for gc); an
// honest push afterwards is taken.
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

// Whether pushing `t.tip` with the chunks in `drop` (every chunk when empty) left out of the
// pack is refused, naming the count and a missing chunk (refused_push checks that nothing
// moved and that what was kept is intact).
bool incomplete_push_refused(Transport& transport, PushSetup& t, const std::set<Digest>& drop) {
  REQUIRE(t.new_chunks.size() == 2);
  int dropped = 0;
  Bytes pack = strip(t.honest, drop, dropped);
  const int expected = drop.empty() ? 2 : static_cast<int>(drop.size());
  REQUIRE(dropped == expected);
  const Error e = refused_push(transport, t, std::move(pack));
  UNSCOPED_INFO(e.what());
  const std::string what = e.what();
  const Digest named = drop.empty() ? t.new_chunks[0] : *drop.begin();
  return (e.code() == ErrorCode::Remote || e.code() == ErrorCode::Corrupt) &&
         what.find(std::to_string(expected) + " chunk") != std::string::npos &&
         what.find(named.hex()) != std::string::npos;
}

TEST_CASE("Incomplete push: a pack without one of its chunks is refused by a server",
          "[remote][push][http]") {
  PushSetup t("incomplete-push");
  const std::set<Digest> drop = {t.new_chunks[1]};
  over_http(t, [&](Transport& tr) { CHECK(incomplete_push_refused(tr, t, drop)); });
  CHECK(honest_push_taken(t, false));
}

TEST_CASE("Incomplete push: a pack without any chunk is refused by a server",
          "[remote][push][http]") {
  PushSetup t("incomplete-push");
  over_http(t, [&](Transport& tr) { CHECK(incomplete_push_refused(tr, t, {})); });
  CHECK(honest_push_taken(t, false));
}

TEST_CASE("Incomplete push: a pack without its chunks is refused by a path remote",
          "[remote][push]") {
  PushSetup t("incomplete-push");
  for (const std::set<Digest>& drop : {std::set<Digest>{}, std::set<Digest>{t.new_chunks[0]}}) {
    auto transport = open_transport(t.src.string(), {});
    CHECK(incomplete_push_refused(*transport, t, drop));
  }
  // The chunk the second pack carried stays stored, unreferenced: a retry need not send it.
  CHECK(holds_chunk(t.src, t.new_chunks[1]));
  CHECK_FALSE(holds_chunk(t.src, t.new_chunks[0]));
  CHECK(honest_push_taken(t, true));
}

// Chunks the remote already holds need not be in the pack: samples equal to ones the remote
// has (the same chunks) push without their chunk records.
TEST_CASE("Incomplete push: chunks the remote already holds may be left out", "[remote][push]") {
  PushSetup t("incomplete-push");
  CHECK(honest_push_taken(t, true));  // the remote is at t.tip
  Digest copies;
  Bytes pack;
  {
    Repository repo = Repository::open(t.dst, Mode::Write);
    put_samples(repo, "copies", 0, 3, 1, kShape);  // the bytes of images 0..2 (on the remote)
    copies = repo.commit("copies");
    transfer::HistoryReader history(repo);
    const Digest haves[] = {t.tip};
    PushPlan plan = plan_push(history, copies, haves);
    REQUIRE(plan.chunks.size() == 3);
    PackProducer producer(repo, std::move(history), std::move(plan.objects), {});
    pack = drain(producer);
  }
  auto transport = open_transport(t.src.string(), {});
  transport->handshake();
  BytesSource source(std::move(pack));
  const RefUpdate update{"main", t.tip, copies, false};
  CHECK(transport->push(std::span<const RefUpdate>(&update, 1), source).accepted);
  transport.reset();
  CHECK(holds_commit(t.src, copies));
}

}  // namespace
}  // namespace hangar::remote::test
