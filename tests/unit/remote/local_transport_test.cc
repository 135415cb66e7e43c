// clone / fetch / fetch-data / push end to end over a LocalTransport (a plain path), and the
// faults: truncated and bit-flipped streams, non-fast-forward pushes, unknown remotes. Every
// fault must leave both repositories as they were.
#include <hangar/remote/operations.h>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

struct TwoRepos {
  StorageTempDir dir{"local"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Digest base;

  explicit TwoRepos(std::uint64_t n = 120) {
    Repository repo = create_repo(src);
    put_samples(repo, "images", 0, n, 1);
    put_samples(repo, "labels", 0, n, 2, {4});
    base = repo.commit("base");
  }
  CloneResult clone_it(DataSelection data = {}) {
    CloneOptions o;
    o.url = src.string();
    o.dir = dst;
    o.data = std::move(data);
    return clone(o);
  }
  Digest commit_at(const fs::path& root, std::uint64_t first, std::uint64_t seed) {
    Repository repo = Repository::open(root, Mode::Write);
    put_samples(repo, "images", first, 3, seed);
    return repo.commit("more " + std::to_string(seed));
  }
};

TEST_CASE("LocalTransport: full clone has every sample with identical data", "[remote][local]") {
  TwoRepos t;
  const CloneResult r = t.clone_it();
  CHECK(r.branch == "main");
  CHECK(r.head == t.base);
  CHECK(r.stats.chunks == 240);
  Repository src = Repository::open(t.src, Mode::Read);
  Repository dst = Repository::open(t.dst, Mode::Read);
  CHECK(snapshot_of(dst).columns == snapshot_of(src).columns);
  const Checkout a = src.checkout_at(t.base), b = dst.checkout_at(t.base);
  for (std::uint64_t k : {0, 57, 119})
    CHECK(a.get("images", key_of(k)) == b.get("images", key_of(k)));
  CHECK(transfer::find_remote_url(dst, "origin") ==
        fs::absolute(t.src).lexically_normal().string());
  CHECK(transfer::default_remote(dst) == "origin");
  CHECK(dst.resolve("origin/main") == t.base);
}

TEST_CASE("LocalTransport: partial clone, then fetch-data the rest", "[remote][local]") {
  TwoRepos t;
  DataSelection part;
  // One budget for both columns and the history the clone receives first; whole samples:
  // image and label (192 + 4 bytes, each chunk with a 46-byte record head) together. The
  // history alone is ~29 KB (32-byte digests).
  part.max_bytes = 40 * 1024;
  const CloneResult r = t.clone_it(part);
  INFO("received " << r.stats.bytes_received << ", keys taken " << r.selection.units);
  CHECK(r.stats.bytes_received <= *part.max_bytes);
  const std::uint64_t n = r.selection.units;
  CHECK(n > 10);
  CHECK(n < 120);
  CHECK(r.selection.units_left == 120 - n);
  Repository dst = Repository::open(t.dst, Mode::Write);
  const Checkout view = dst.checkout_at(t.base);
  const ColumnStats images = view.stats("images"), labels = view.stats("labels");
  CHECK(images.local_count == n);
  CHECK(labels.local_count == n);
  CHECK(images.local_nbytes + labels.local_nbytes <= *part.max_bytes);
  const Error e = error_of([&] { view.get("images", key_of(n)); });
  CHECK(e.code() == ErrorCode::NotLocal);
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::FetchSample);
  CHECK(e.hint()->remote == "origin");
  CHECK(e.hint()->revision == t.base.short_hex());
  CHECK(e.hint()->keys == std::vector<std::string>{key_name(n)});

  const FetchDataResult rest = fetch_data(dst, {"origin", std::nullopt, {}, {}, {}});
  CHECK(rest.stats.chunks == 240 - 2 * n);
  CHECK(dst.checkout_at(t.base).stats("images").local_count == 120);
  CHECK(fetch_data(dst, {"origin", std::nullopt, {}, {}, {}}).stats.chunks == 0);
}

TEST_CASE("LocalTransport: push fast-forward, then a non-fast-forward is refused",
          "[remote][local]") {
  TwoRepos t;
  t.clone_it();
  const Digest mine = t.commit_at(t.dst, 500, 7);
  {
    Repository dst = Repository::open(t.dst, Mode::Write);
    const PushResult r = push(dst, {"origin", std::nullopt, false, {}, {}, {}});
    CHECK(r.result == "fast-forward");
    CHECK(r.stats.chunks == 3);
    CHECK(dst.resolve("origin/main") == mine);
  }
  {
    Repository src = Repository::open(t.src, Mode::Read);
    CHECK(src.head() == mine);
    CHECK(src.checkout_at(mine).stats("images").local_count == 123);
  }
  // Diverge: the source gets a commit the clone lacks, the clone one the source lacks.
  t.commit_at(t.src, 600, 8);
  t.commit_at(t.dst, 700, 9);
  const Snapshot src_before = snapshot_at(t.src), dst_before = snapshot_at(t.dst);
  {
    Repository dst = Repository::open(t.dst, Mode::Write);
    const Error e = error_of([&] { push(dst, {"origin", std::nullopt, false, {}, {}, {}}); });
    CHECK(e.code() == ErrorCode::Remote);
    CHECK(std::string(e.what()).find("fast-forward") != std::string::npos);
  }
  CHECK(snapshot_at(t.src) == src_before);
  CHECK(snapshot_at(t.dst) == dst_before);
  {
    Repository dst = Repository::open(t.dst, Mode::Write);
    CHECK(push(dst, {"origin", std::nullopt, true, {}, {}, {}}).result == "forced");
  }
}

TEST_CASE("LocalTransport: fetch brings history and moves remote-tracking branches only",
          "[remote][local]") {
  TwoRepos t;
  t.clone_it();
  const Digest theirs = t.commit_at(t.src, 300, 3);
  Repository dst = Repository::open(t.dst, Mode::Write);
  const FetchResult r = fetch(dst, {"origin", std::nullopt, {}, {}});
  REQUIRE(r.updated.size() == 1);
  CHECK(r.updated[0].name == "origin/main");
  CHECK(r.updated[0].old_commit == t.base);
  CHECK(dst.head() == t.base);
  CHECK(dst.resolve("origin/main") == theirs);
  CHECK(dst.checkout_at(theirs).stats("images").local_count == 120);  // history, no data
}

TEST_CASE("LocalTransport: fetch with prune deletes tracking branches the remote dropped",
          "[remote][local]") {
  TwoRepos t;
  t.clone_it();
  {
    Repository src = Repository::open(t.src, Mode::Write);
    src.create_branch("old", std::nullopt);
  }
  Repository dst = Repository::open(t.dst, Mode::Write);
  REQUIRE(fetch(dst, {"origin", std::nullopt, {}, {}}).updated.size() == 1);  // origin/old
  {
    Repository src = Repository::open(t.src, Mode::Write);
    src.delete_branch("old", true);
  }
  CHECK(fetch(dst, {"origin", std::nullopt, {}, {}}).pruned.empty());
  CHECK(dst.resolve("origin/old") == t.base);
  const FetchResult r = fetch(dst, {"origin", std::nullopt, {}, {}, true});
  CHECK(r.pruned == std::vector<std::string>{"origin/old"});
  CHECK(r.updated.empty());
  CHECK(error_of([&] { dst.resolve("origin/old"); }).code() == ErrorCode::NotFound);
  CHECK(dst.resolve("origin/main") == t.base);
  CHECK(error_of([&] {
          fetch(dst, {"origin", "main", {}, {}, true});
        }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("LocalTransport: a truncated or bit-flipped stream changes nothing", "[remote][local]") {
  TwoRepos t(200);
  DataSelection none;
  none.none = true;
  t.clone_it(none);
  t.commit_at(t.src, 900, 4);
  const Snapshot before = snapshot_at(t.dst);
  Faults faults;
  FaultScope scope(faults);
  auto attempt = [&](auto&& op) {
    Repository dst = Repository::open(t.dst, Mode::Write);
    return error_of([&] { op(dst); });
  };
  auto fetch_data_all = [](Repository& r) { fetch_data(r, {"origin", std::nullopt, {}, {}, {}}); };
  auto fetch_all = [](Repository& r) { fetch(r, {"origin", std::nullopt, {}, {}}); };

  faults.cut_after = 3000;  // in the middle of the chunk records
  CHECK(attempt(fetch_data_all).code() == ErrorCode::Remote);
  CHECK(snapshot_at(t.dst) == before);
  faults.cut_after = 300;  // the history pack of one commit is small
  CHECK(attempt(fetch_all).code() == ErrorCode::Remote);
  CHECK(snapshot_at(t.dst) == before);

  faults.cut_after.reset();
  for (std::uint64_t at : {5, 40, 2000, 6000}) {
    faults.flip_at = at;
    const Error e = attempt(fetch_data_all);
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(snapshot_at(t.dst) == before);
  }
  faults.flip_at = 100;
  CHECK(attempt(fetch_all).code() == ErrorCode::Corrupt);
  CHECK(snapshot_at(t.dst) == before);

  faults.flip_at.reset();
  Repository dst = Repository::open(t.dst, Mode::Write);
  CHECK(fetch_data(dst, {"origin", std::nullopt, {}, {}, {}}).stats.chunks == 400);
}

TEST_CASE("LocalTransport: a failed clone leaves no folder behind", "[remote][local]") {
  TwoRepos t;
  Faults faults;
  FaultScope scope(faults);
  faults.cut_after = 2500;
  faults.history = false;  // history arrives whole, the data is cut
  CHECK(error_of([&] { t.clone_it(); }).code() == ErrorCode::Remote);
  CHECK(!fs::exists(t.dst));
  faults.history = true;
  CHECK(error_of([&] { t.clone_it(); }).code() == ErrorCode::Remote);
  CHECK(!fs::exists(t.dst));
}

TEST_CASE("LocalTransport: unknown remotes, branches and paths", "[remote][local]") {
  TwoRepos t;
  t.clone_it();
  Repository dst = Repository::open(t.dst, Mode::Write);
  const Snapshot before = snapshot_of(dst);
  const Error e = error_of([&] { fetch(dst, {"nope", std::nullopt, {}, {}}); });
  CHECK(e.code() == ErrorCode::NotFound);
  CHECK(std::string(e.what()).find("known remotes: origin") != std::string::npos);
  CHECK(error_of([&] { fetch(dst, {"origin", "nope", {}, {}}); }).code() == ErrorCode::NotFound);
  CHECK(error_of([&] {
          push(dst, {"origin", "nope", false, {}, {}, {}});
        }).code() == ErrorCode::NotFound);
  transfer::add_remote(dst, "ghost", (t.dir / "nowhere").string());
  CHECK(error_of([&] {
          fetch(dst, {"ghost", std::nullopt, {}, {}});
        }).code() == ErrorCode::NotFound);
  transfer::remove_remote(dst, "ghost");
  CHECK(snapshot_of(dst) == before);
  CHECK(error_of([&] { transfer::add_remote(dst, "origin", "x"); }).code() ==
        ErrorCode::AlreadyExists);
  CHECK(error_of([&] { transfer::add_remote(dst, "bad/name", "x"); }).code() ==
        ErrorCode::InvalidArgument);
  CloneOptions again;
  again.url = t.src.string();
  again.dir = t.dst;
  CHECK(error_of([&] { clone(again); }).code() == ErrorCode::AlreadyExists);
}

}  // namespace
}  // namespace hangar::remote::test
