// RemoteChunkFetcher over a plain-path remote (LocalTransport): a lazy clone reads, through
// enable_lazy_fetch, the remote's bytes; a remote that is gone is NotLocal naming it and
// 'hangar fetch-data'; a clone not set to fetch lazily gets no fetcher.
#include <hangar/remote/lazy_fetch.h>
#include <hangar/remote/operations.h>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

const Shape kShape = {16, 16, 3};
constexpr std::uint64_t kSamples = 30;
constexpr std::uint64_t kSeed = 1;

// What put_samples() stored under key_of(k).
Tensor sample(std::uint64_t k) { return random_tensor(kShape, kSeed * 1000003 + k); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `src` with kSamples images in one commit, and `dst` cloned from its path (lazily unless
// asked otherwise: then with no data at all).
struct LazyClone {
  StorageTempDir dir{"lazy-clone"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Digest base;

  explicit LazyClone(bool lazy = true) {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, kSamples, kSeed, kShape);
      base = repo.commit("base");
    }
    CloneOptions o;
    o.url = src.string();
    o.dir = dst;
    o.lazy = lazy;
    o.data.none = !lazy;
    clone(o);
  }
};

std::vector<SampleRef> refs_of(const Checkout& view) {
  std::vector<SampleRef> out;
  view.for_each("images", [&](const SampleRef& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

TEST_CASE("LazyFetch: a lazy clone reads the remote's bytes through enable_lazy_fetch",
          "[remote][lazy]") {
  LazyClone t;
  Repository repo = Repository::open(t.dst, Mode::Read);
  REQUIRE(repo.lazy_fetch());
  const Checkout view = repo.checkout_at(t.base);
  REQUIRE(view.stats("images").local_count == 0);  // a lazy clone fetches no data up front

  const auto fetcher = enable_lazy_fetch(repo);
  REQUIRE(fetcher);
  CHECK(fetcher->source() == "remote 'origin' (" + t.src.string() + ")");
  CHECK(fetcher->stats().requests == 0);  // no connection before the first read

  CHECK(view.get("images", key_of(5)) == sample(5));
  CHECK(fetcher->stats().requests == 1);
  CHECK(fetcher->stats().chunks == 1);
  CHECK(view.stats("images").local_count == 1);

  // The rest in one request, then every read is local.
  const std::vector<SampleRef> refs = refs_of(view);
  CHECK(view.fetch_missing(refs) == kSamples - 1);
  CHECK(fetcher->stats().requests == 2);
  CHECK(fetcher->stats().chunks == kSamples);
  for (std::uint64_t k = 0; k < kSamples; ++k) CHECK(view.get("images", key_of(k)) == sample(k));
  CHECK(view.fetch_missing(refs) == 0);
  CHECK(fetcher->stats().requests == 2);
  CHECK(view.stats("images").local_count == kSamples);
}

TEST_CASE("LazyFetch: a remote that is gone is NotLocal naming it and fetch-data",
          "[remote][lazy]") {
  LazyClone t;
  fs::rename(t.src, t.dir / "moved");
  Repository repo = Repository::open(t.dst, Mode::Read);
  const auto fetcher = enable_lazy_fetch(repo);
  REQUIRE(fetcher);
  const Checkout view = repo.checkout_at(t.base);

  const Error e = error_of([&] { view.get("images", key_of(3)); });
  INFO(e.what());
  CHECK(e.code() == ErrorCode::NotLocal);
  CHECK(contains(e.what(), "remote 'origin' (" + t.src.string() + ")"));
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::FetchData);
  CHECK(e.hint()->remote == "origin");
  CHECK(error_of([&] { view.fetch_missing(refs_of(view)); }).code() == ErrorCode::NotLocal);
  CHECK(view.stats("images").local_count == 0);

  // Back where it was: the same fetcher reconnects and reads.
  fs::rename(t.dir / "moved", t.src);
  CHECK(view.get("images", key_of(3)) == sample(3));
}

TEST_CASE("LazyFetch: a clone not set to fetch lazily gets no fetcher", "[remote][lazy]") {
  LazyClone t(/*lazy=*/false);
  Repository repo = Repository::open(t.dst, Mode::Read);
  REQUIRE_FALSE(repo.lazy_fetch());
  CHECK(enable_lazy_fetch(repo) == nullptr);
  const Checkout view = repo.checkout_at(t.base);
  const Error e = error_of([&] { view.get("images", key_of(3)); });
  CHECK(e.code() == ErrorCode::NotLocal);
  // The hint names the revision read: the commit of the view.
  CHECK(contains(e.what(), "sample '0003' of commit " + t.base.short_hex() + " is not local"));
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::FetchSample);
  CHECK(e.hint()->remote == "origin");
  CHECK(e.hint()->revision == t.base.short_hex());
  CHECK(e.hint()->keys == std::vector<std::string>{"0003"});
  CHECK(view.fetch_missing(refs_of(view)) == 0);
}

}  // namespace
}  // namespace hangar::remote::test
