// drop_data over a LocalTransport (a plain path): drops only what the remote holds, refuses the
// rest whole, and fetch_data brings every dropped sample back identical.
#include <hangar/remote/drop_data.h>
#include <hangar/remote/operations.h>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

struct Cloned {
  StorageTempDir dir{"drop"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Digest base;

  Cloned() {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, 40, 1, {32, 32, 3});
      put_samples(repo, "labels", 0, 40, 2, {4});
      base = repo.commit("base");
    }
    CloneOptions o;
    o.url = src.string();
    o.dir = dst;
    clone(o);
  }
};

std::uint64_t local_images(const Repository& repo, const Digest& at) {
  return repo.checkout_at(at).stats("images").local_count;
}

TEST_CASE("DropData: drops what the remote holds, and fetch-data brings it back",
          "[remote][drop]") {
  Cloned t;
  Repository dst = Repository::open(t.dst, Mode::Write);
  DropDataOptions o;
  o.columns = {"images"};
  o.keep_bytes = 3 * 32 * 32 * 3;  // the first three samples stay
  const DropDataResult r = drop_data(dst, o);
  CHECK(r.remote == "origin");
  CHECK(r.commit == t.base);
  CHECK(r.samples_selected == 40);
  CHECK(r.samples_kept == 3);
  CHECK(r.samples_dropped == 37);
  CHECK(r.chunks_dropped == 37);
  CHECK(r.stored_bytes >= 37 * 32 * 32 * 3);
  CHECK(r.space.disk_bytes_after < r.space.disk_bytes_before);
  CHECK(local_images(dst, t.base) == 3);
  CHECK(dst.checkout_at(t.base).stats("labels").local_count == 40);

  const FetchDataResult back = fetch_data(dst, {"origin", std::nullopt, {}, {}, {}});
  CHECK(back.stats.chunks == 37);
  Repository src = Repository::open(t.src, Mode::Read);
  const Checkout a = src.checkout_at(t.base), b = dst.checkout_at(t.base);
  for (std::uint64_t k = 0; k < 40; ++k)
    CHECK(a.get("images", key_of(k)) == b.get("images", key_of(k)));
}

TEST_CASE("DropData: a sample the remote does not hold refuses the whole drop", "[remote][drop]") {
  Cloned t;
  Repository dst = Repository::open(t.dst, Mode::Write);
  put_samples(dst, "images", 100, 1, 99, {32, 32, 3});
  const Digest local = dst.commit("local only");
  const Snapshot before = snapshot_of(dst);
  DropDataOptions o;
  o.columns = {"images"};
  const Error e = error_of([&] { drop_data(dst, o); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(std::string(e.what()).find("1 samples (1 chunks)") != std::string::npos);
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::Push);
  CHECK(e.hint()->remote == "origin");
  CHECK(e.hint()->revision == "main");
  CHECK(snapshot_of(dst) == before);
  CHECK(local_images(dst, local) == 41);

  // The dry run checks the same and says the same.
  o.dry_run = true;
  CHECK(error_of([&] { drop_data(dst, o); }).code() == ErrorCode::InvalidArgument);
  // Only the pushed keys: fine.
  o.dry_run = false;
  o.keys = {key_of(0), key_of(1)};
  CHECK(drop_data(dst, o).chunks_dropped == 2);
  CHECK(local_images(dst, local) == 39);
}

TEST_CASE("DropData: an unreachable remote drops nothing", "[remote][drop]") {
  Cloned t;
  fs::rename(t.src, t.dir / "moved");
  Repository dst = Repository::open(t.dst, Mode::Write);
  const Snapshot before = snapshot_of(dst);
  const Error e = error_of([&] { drop_data(dst, DropDataOptions{}); });
  CHECK(e.code() == ErrorCode::Remote);
  CHECK(std::string(e.what()).find("remote 'origin'") != std::string::npos);
  CHECK(snapshot_of(dst) == before);
}

}  // namespace
}  // namespace hangar::remote::test
