// Negotiation sends only what the receiver lacks: history planning per commit against its
// parents, and end-to-end fetch / fetch-data counts over a LocalTransport.
#include "negotiate.h"

#include <hangar/remote/operations.h>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

std::map<transfer::ObjectType, std::size_t> count_types(const std::vector<transfer::ObjectRef>& p) {
  std::map<transfer::ObjectType, std::size_t> n;
  for (const auto& o : p) ++n[o.type];
  return n;
}

TEST_CASE("Negotiate: history of one changed sample is one commit, a page path, one chunk",
          "[remote][negotiate]") {
  StorageTempDir dir{"negotiate"};
  Repository repo = create_repo(dir.path());
  put_samples(repo, "images", 0, 300, 1);
  const Digest c1 = repo.commit("base");
  put_samples(repo, "images", 150, 1, 2);  // changes one sample
  const Digest c2 = repo.commit("one change");

  transfer::HistoryReader history(repo);
  const Digest want2[] = {c2};
  const Digest have1[] = {c1};
  CHECK(history.commits_between(want2, have1) == std::vector<Digest>{c2});
  CHECK(history.commits_between(want2, {}) == std::vector<Digest>{c1, c2});

  std::vector<Digest> delta_chunks;
  const auto delta = count_types(history.plan_history(std::vector<Digest>{c2}, &delta_chunks));
  CHECK(delta.at(transfer::ObjectType::Commit) == 1);
  CHECK(delta.count(transfer::ObjectType::Schema) == 0);  // unchanged schema is not resent
  // A sample of one chunk is inline in its record: no descriptor object to send, one chunk.
  CHECK(delta.count(transfer::ObjectType::Descriptor) == 0);
  CHECK(delta_chunks.size() == 1);
  std::size_t pages = 0;
  for (auto t : {transfer::ObjectType::LeafPage, transfer::ObjectType::InternalPage})
    if (delta.count(t)) pages += delta.at(t);
  CHECK(pages >= 1);
  CHECK(pages <= 4);  // one leaf and its ancestors

  std::vector<Digest> full_chunks;
  const auto full =
      count_types(history.plan_history(history.commits_between(want2, {}), &full_chunks));
  CHECK(full.at(transfer::ObjectType::Commit) == 2);
  CHECK(full.at(transfer::ObjectType::Schema) == 1);
  CHECK(full.count(transfer::ObjectType::Descriptor) == 0);
  CHECK(full_chunks.size() == 301);
}

TEST_CASE("Negotiate: push plan lists the chunks of new samples only", "[remote][negotiate]") {
  StorageTempDir dir{"negotiate"};
  Repository repo = create_repo(dir.path());
  put_samples(repo, "images", 0, 50, 1);
  const Digest c1 = repo.commit("base");
  put_samples(repo, "images", 50, 3, 1);
  const Digest c2 = repo.commit("three more");
  transfer::HistoryReader history(repo);
  const Digest haves[] = {c1};
  const PushPlan plan = plan_push(history, c2, haves);
  CHECK(plan.commits == std::vector<Digest>{c2});
  CHECK(plan.chunks.size() == 3);
}

TEST_CASE("Negotiate: fetch and fetch-data move only what is missing", "[remote][negotiate]") {
  StorageTempDir dir{"negotiate"};
  const fs::path src = dir / "src", dst = dir / "dst";
  {
    Repository repo = create_repo(src);
    put_samples(repo, "images", 0, 200, 1);
    repo.commit("base");
  }
  Faults faults;
  FaultScope scope(faults);
  CloneOptions co;
  co.url = src.string();
  co.dir = dst;
  const CloneResult cloned = clone(co);
  CHECK(cloned.stats.chunks == 200);
  CHECK(faults.chunk_digests_asked == 200);

  Digest c2;
  std::size_t expected_objects = 0;
  {
    Repository repo = Repository::open(src, Mode::Write);
    put_samples(repo, "images", 10, 2, 9);  // two changed samples
    c2 = repo.commit("two changes");
    transfer::HistoryReader history(repo);
    expected_objects = history.plan_history(std::vector<Digest>{c2}).size();
  }
  Repository local = Repository::open(dst, Mode::Write);
  const FetchResult fetched = fetch(local, {"origin", std::nullopt, {}, {}});
  CHECK(fetched.stats.objects == expected_objects);
  REQUIRE(fetched.updated.size() == 1);
  CHECK(fetched.updated[0].new_commit == c2);
  CHECK(local.head() != c2);  // fetch moves origin/main only

  faults.chunk_digests_asked = 0;
  FetchDataOptions fo;
  fo.remote = "origin";
  fo.ref = "origin/main";
  const FetchDataResult first = fetch_data(local, fo);
  CHECK(first.chunks_missing == 2);
  CHECK(first.stats.chunks == 2);
  CHECK(faults.chunk_digests_asked == 2);

  const int calls = faults.chunk_calls;
  const FetchDataResult again = fetch_data(local, fo);
  CHECK(again.chunks_missing == 0);
  CHECK(again.stats.chunks == 0);
  CHECK(faults.chunk_calls == calls);  // nothing asked at all

  // A fetch with nothing new asks for no history.
  const int history_calls = faults.history_calls;
  CHECK(fetch(local, {"origin", std::nullopt, {}, {}}).updated.empty());
  CHECK(faults.history_calls == history_calls);
}

}  // namespace
}  // namespace hangar::remote::test
