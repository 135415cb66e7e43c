// Chunk-level merge of large samples: both branches edit one sample; disjoint chunks merge
// cleanly, the same chunk changed differently is a both-modified conflict naming the region.
#include "ops/merge_chunks.h"

#include <hangar/error.h>
#include <hangar/merge.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>

#include "model/chunked_io.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/storage_temp_dir.h"

namespace hangar {
namespace {

const Key kKey(std::uint64_t{5});

Tensor iota_f32(const Shape& shape, float offset = 0) {
  Tensor t(DType::Float32, shape);
  for (std::uint64_t i = 0; i < t.element_count(); ++i)
    t.as<float>()[i] = static_cast<float>(i) + offset;
  return t;
}

// A repository whose main holds float32 [64,256,256] (16 blocks of 64^3) at kKey, and a branch
// 'dev' at that commit.
struct Fixture {
  testing::StorageTempDir dir{"merge-chunks"};
  Repository repo = open(dir.path());
  Tensor base = iota_f32({64, 256, 256});

  static Repository open(const std::filesystem::path& root) {
    Repository::init(root, {"Test", "t@example.org"});
    return Repository::open(root, Repository::Mode::Write);
  }
  Fixture() {
    ColumnSchema s;
    s.name = "vol";
    s.dtype = DType::Float32;
    s.shape = {64, 256, 256};
    repo.create_column(s);
    ColumnSchema small = s;
    small.name = "small";
    small.shape = {8, 8};
    repo.create_column(small);
    repo.put("vol", kKey, std::nullopt, base.view());
    repo.put("small", kKey, std::nullopt, iota_f32({8, 8}).view());
    repo.commit("base");
    repo.create_branch("dev", std::nullopt);
  }
  // Writes `patch` at `origin` into kKey and commits on `branch`; returns the expected tensor.
  void edit(const std::string& branch, const Shape& origin, const Tensor& patch, Tensor& want) {
    repo.checkout(branch);
    repo.put_region("vol", kKey, std::nullopt, origin, patch.view());
    repo.commit("edit on " + branch);
    copy_box(patch.data(), patch.shape(), Shape(origin.size(), 0), want.mutable_data(),
             want.shape(), origin, patch.shape(), 4);
  }
  std::uint64_t chunks() { return detail::state_of(repo).chunks.stats().chunks; }
};

}  // namespace

TEST_CASE("Merge chunks: edits of different chunks of one sample merge cleanly",
          "[core][merge][chunked]") {
  Fixture f;
  Tensor want = f.base;
  f.edit("main", {0, 0, 0}, iota_f32({4, 4, 4}, -1e6f), want);      // block 0
  f.edit("dev", {10, 200, 200}, iota_f32({5, 5, 5}, -2e6f), want);  // block 15
  f.repo.checkout("main");
  const std::uint64_t chunks_before = f.chunks();
  const MergeResult m = f.repo.merge("dev", {});
  REQUIRE(m.kind == MergeResult::Kind::Merged);
  CHECK(m.conflicts.empty());
  CHECK(f.chunks() == chunks_before);  // the merged sample only reuses chunks
  const Checkout head = f.repo.checkout_at(*m.commit);
  CHECK(head.get("vol", kKey) == want);
  CHECK(f.repo.status().clean());
}

TEST_CASE("Merge chunks: the same chunk changed on both sides is a conflict naming the region",
          "[core][merge][chunked]") {
  Fixture f;
  Tensor ignored = f.base;
  f.edit("main", {0, 70, 130}, iota_f32({2, 2, 2}, -1e6f), ignored);   // block (0,1,2) = 6
  f.edit("main", {0, 0, 0}, iota_f32({2, 2, 2}, -1e6f), ignored);      // block 0
  f.edit("dev", {60, 100, 190}, iota_f32({2, 2, 2}, -3e6f), ignored);  // block 6 again
  f.edit("dev", {1, 1, 1}, iota_f32({2, 2, 2}, -1e6f), ignored);       // block 0, other bytes
  f.repo.checkout("main");
  const Digest head = *f.repo.head();
  const MergeResult m = f.repo.merge("dev", {});
  REQUIRE(m.kind == MergeResult::Kind::Conflict);
  REQUIRE(m.conflicts.size() == 1);
  const Conflict& c = m.conflicts[0];
  CHECK(c.column == "vol");
  CHECK(c.key == kKey);
  CHECK(c.kind == ConflictKind::BothModified);
  REQUIRE(c.region.has_value());
  CHECK(c.region->origin == Shape{0, 0, 0});  // the first block both sides changed
  CHECK(c.region->extent == Shape{64, 64, 64});
  CHECK(*f.repo.head() == head);  // nothing written

  // A strategy still resolves it whole.
  MergeOptions theirs;
  theirs.strategy = MergeStrategy::Theirs;
  const MergeResult t = f.repo.merge("dev", theirs);
  REQUIRE(t.kind == MergeResult::Kind::Merged);
  REQUIRE(t.resolved.size() == 1);
  CHECK(t.resolved[0].region == c.region);
}

TEST_CASE("Merge chunks: equal edits of one chunk, and small samples, follow the key rule",
          "[core][merge][chunked]") {
  Fixture f;
  Tensor want = f.base;
  const Tensor same = iota_f32({3, 3, 3}, -7e6f);
  f.edit("main", {30, 30, 30}, same, want);                         // block 0
  f.edit("main", {0, 255, 255}, iota_f32({1, 1, 1}, -1.0f), want);  // block 15
  f.edit("dev", {30, 30, 30}, same, want);                          // block 0, the same bytes
  f.edit("dev", {0, 0, 200}, iota_f32({1, 1, 1}, -2.0f), want);     // block 3
  f.repo.checkout("main");
  MergeResult m = f.repo.merge("dev", {});
  REQUIRE(m.kind == MergeResult::Kind::Merged);
  CHECK(f.repo.checkout_at(*m.commit).get("vol", kKey) == want);

  // Small (one-chunk) samples changed on both sides conflict without a region.
  Fixture g;
  g.repo.put("small", kKey, std::nullopt, iota_f32({8, 8}, 1).view());
  g.repo.commit("main small");
  g.repo.checkout("dev");
  g.repo.put("small", kKey, std::nullopt, iota_f32({8, 8}, 2).view());
  g.repo.commit("dev small");
  g.repo.checkout("main");
  m = g.repo.merge("dev", {});
  REQUIRE(m.kind == MergeResult::Kind::Conflict);
  CHECK(m.conflicts.at(0).column == "small");
  CHECK_FALSE(m.conflicts.at(0).region.has_value());
}

TEST_CASE("Merge chunks: merge_blocks needs one grid and disjoint block changes",
          "[core][merge][chunked]") {
  Descriptor b{DType::Float32, {4, 4}, {2, 2}, {}};
  for (int i = 0; i < 4; ++i) b.chunks.push_back(digest_of(as_bytes(std::to_string(i))));
  Descriptor o = b, t = b;
  o.chunks[1] = digest_of(as_bytes("o1"));
  t.chunks[2] = digest_of(as_bytes("t2"));
  auto m = merge_blocks(b, o, t);
  REQUIRE(m);
  REQUIRE(m->merged);
  CHECK(m->merged->chunks ==
        std::vector<Digest>{b.chunks[0], o.chunks[1], t.chunks[2], b.chunks[3]});
  t.chunks[1] = o.chunks[1];  // the same change on both sides is no conflict
  CHECK(merge_blocks(b, o, t)->merged.has_value());
  t.chunks[1] = digest_of(as_bytes("t1"));
  m = merge_blocks(b, o, t);
  REQUIRE(m->region);
  CHECK(m->region->origin == Shape{0, 2});
  CHECK(m->region->extent == Shape{2, 2});
  Descriptor other = o;
  other.shape = {4, 5};
  CHECK_FALSE(merge_blocks(b, other, t).has_value());
}

}  // namespace hangar
