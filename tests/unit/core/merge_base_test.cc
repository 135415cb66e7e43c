// Merge bases: is_ancestor and lowest common ancestors on synthetic DAGs (linear, fork,
// criss-cross, unrelated, random against brute force) and on a real repository.
#include "ops/merge_base.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "history_test_util.h"

namespace hangar {
namespace {

using namespace history_test;

// A synthetic DAG: commit i is digest_of(i); parents given by index.
class Dag {
 public:
  Digest add(std::vector<Digest> parents) {
    const std::uint64_t i = parents_.size();
    const Digest d = digest_of(ByteView{reinterpret_cast<const std::byte*>(&i), sizeof i});
    parents_[d] = std::move(parents);
    return d;
  }
  ParentsFn parents() const {
    return [this](const Digest& d) { return parents_.at(d); };
  }

 private:
  std::map<Digest, std::vector<Digest>> parents_;
};

std::vector<Digest> lca(const Dag& g, const Digest& a, const Digest& b) {
  const std::vector<Digest> sa{a}, sb{b};
  return lowest_common_ancestors(g.parents(), sa, sb);
}

std::vector<Digest> sorted(std::vector<Digest> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_CASE("MergeBase: linear history and a fork", "[core][merge_base]") {
  Dag g;
  const Digest root = g.add({});
  const Digest a1 = g.add({root});
  const Digest a2 = g.add({a1});
  const Digest b1 = g.add({a1});
  CHECK(is_ancestor(g.parents(), root, a2));
  CHECK(is_ancestor(g.parents(), a2, a2));
  CHECK_FALSE(is_ancestor(g.parents(), a2, a1));
  CHECK_FALSE(is_ancestor(g.parents(), b1, a2));
  CHECK(lca(g, a2, root) == std::vector<Digest>{root});
  CHECK(lca(g, a2, a2) == std::vector<Digest>{a2});
  CHECK(lca(g, a2, b1) == std::vector<Digest>{a1});
}

TEST_CASE("MergeBase: a criss-cross history has two lowest common ancestors",
          "[core][merge_base]") {
  // root - x1 - x2(x1, y1)          x2 and y2 both merge x1 and y1, so both x1 and y1 are
  //      \    X                     lowest common ancestors of x2 and y2; root is common
  //       y1 - y2(y1, x1)           but not lowest.
  Dag g;
  const Digest root = g.add({});
  const Digest x1 = g.add({root});
  const Digest y1 = g.add({root});
  const Digest x2 = g.add({x1, y1});
  const Digest y2 = g.add({y1, x1});
  CHECK(lca(g, x2, y2) == sorted({x1, y1}));
  // The virtual commit with parents {x1, y1} against y1's history.
  const std::vector<Digest> set{x1, y1}, root_only{root};
  CHECK(lowest_common_ancestors(g.parents(), set, std::vector<Digest>{x1}) ==
        std::vector<Digest>{x1});
  CHECK(lowest_common_ancestors(g.parents(), std::vector<Digest>{x1}, std::vector<Digest>{y1}) ==
        root_only);
  // One more generation of criss-cross keeps two LCAs (x2, y2).
  const Digest x3 = g.add({x2, y2});
  const Digest y3 = g.add({y2, x2});
  CHECK(lca(g, x3, y3) == sorted({x2, y2}));
}

TEST_CASE("MergeBase: unrelated histories have no common ancestor", "[core][merge_base]") {
  Dag g;
  const Digest a = g.add({});
  const Digest b = g.add({});
  const Digest a1 = g.add({a});
  CHECK(lca(g, a1, b).empty());
  CHECK_FALSE(is_ancestor(g.parents(), a, b));
}

// Brute force: common ancestors that are no proper ancestor of another common ancestor.
std::vector<Digest> brute_lca(const Dag& g, const std::vector<Digest>& all, const Digest& a,
                              const Digest& b) {
  std::vector<Digest> common;
  for (const Digest& c : all)
    if (is_ancestor(g.parents(), c, a) && is_ancestor(g.parents(), c, b)) common.push_back(c);
  std::vector<Digest> out;
  for (const Digest& c : common) {
    const bool lowest = std::none_of(common.begin(), common.end(), [&](const Digest& d) {
      return d != c && is_ancestor(g.parents(), c, d);
    });
    if (lowest) out.push_back(c);
  }
  return sorted(out);
}

TEST_CASE("MergeBase: random DAGs match brute force (property)", "[core][merge_base]") {
  std::mt19937_64 rng(20260101);
  for (int trial = 0; trial < 30; ++trial) {
    Dag g;
    std::vector<Digest> all{g.add({})};
    for (int i = 0; i < 40; ++i) {
      std::vector<Digest> parents{all[rng() % all.size()]};
      if (rng() % 3 == 0) {
        const Digest p2 = all[rng() % all.size()];
        if (p2 != parents[0]) parents.push_back(p2);
      }
      if (rng() % 10 == 0) parents.clear();  // a second root: unrelated histories
      all.push_back(g.add(parents));
    }
    for (int q = 0; q < 20; ++q) {
      const Digest a = all[rng() % all.size()], b = all[rng() % all.size()];
      INFO("trial " << trial << " query " << q);
      CHECK(lca(g, a, b) == brute_lca(g, all, a, b));
    }
  }
}

TEST_CASE("MergeBase: Repository::merge_bases of a criss-cross history", "[core][merge_base]") {
  TempRepo t;
  Repository& repo = t.repo;
  repo.create_column(int_column("v"));
  put_value(repo, "v", 0, 0);
  const Digest root = repo.commit("root");
  repo.create_branch("y", std::nullopt);
  put_value(repo, "v", 1, 1);
  const Digest x1 = repo.commit("x1");
  repo.checkout("y");
  put_value(repo, "v", 2, 2);
  const Digest y1 = repo.commit("y1");
  repo.create_branch("x1", std::string_view(x1.hex()));
  repo.create_branch("y1", std::string_view(y1.hex()));
  const MergeResult my = repo.merge("x1", {});  // y2 = merge(y1, x1)
  REQUIRE(my.kind == MergeResult::Kind::Merged);
  CHECK(my.base == root);
  repo.checkout("main");
  const MergeResult mx = repo.merge("y1", {});  // x2 = merge(x1, y1)
  REQUIRE(mx.kind == MergeResult::Kind::Merged);
  CHECK(repo.merge_bases(*mx.commit, *my.commit) == sorted({x1, y1}));
  CHECK(repo.merge_bases(x1, y1) == std::vector<Digest>{root});
  CHECK(repo.get_commit(*mx.commit).parents == std::vector<Digest>{x1, y1});
}

}  // namespace
}  // namespace hangar

namespace hangar {
namespace {

using namespace history_test;

// root {1:10}; main: x1 sets 1 = 11 and adds 5 = 50; y: y1 sets 1 = 12 and adds 7 = 70.
// Then each side merges the other's first commit, resolving key 1 with the given strategies:
// y2 = merge(y1, x1), x2 = merge(x1, y1). The LCAs of x2 and y2 are x1 and y1.
struct CrissCross {
  TempRepo t;
  Repository& repo = t.repo;
  Digest x2, y2;
  CrissCross(MergeStrategy on_y, MergeStrategy on_x) {
    repo.create_column(int_column("v"));
    put_value(repo, "v", 1, 10);
    repo.commit("root");
    repo.create_branch("y", std::nullopt);
    put_value(repo, "v", 1, 11);
    put_value(repo, "v", 5, 50);
    const Digest x1 = repo.commit("x1");
    repo.create_branch("x1", std::string_view(x1.hex()));
    repo.checkout("y");
    put_value(repo, "v", 1, 12);
    put_value(repo, "v", 7, 70);
    const Digest y1 = repo.commit("y1");
    repo.create_branch("y1", std::string_view(y1.hex()));
    y2 = *repo.merge("x1", {"y2", on_y, {}}).commit;
    repo.checkout("main");
    x2 = *repo.merge("y1", {"x2", on_x, {}}).commit;
    REQUIRE(repo.merge_bases(x2, y2).size() == 2);
  }
};

TEST_CASE("MergeBase: criss-cross with agreeing resolutions merges cleanly (virtual base)",
          "[core][merge_base][merge]") {
  // Both earlier merges chose 11 for key 1.
  CrissCross cc(MergeStrategy::Theirs, MergeStrategy::Ours);
  Repository& repo = cc.repo;
  CHECK(contents(repo, cc.x2, "v") == contents(repo, cc.y2, "v"));
  // After the criss-cross, y changes key 5 (which only x1 added) and adds key 8; x adds 9.
  repo.checkout("y");
  put_value(repo, "v", 5, 51);
  put_value(repo, "v", 8, 80);
  repo.commit("y3");
  repo.checkout("main");
  put_value(repo, "v", 9, 90);
  repo.commit("x3");
  // A single LCA as base would report a spurious conflict: with y1 as base, key 5 is
  // "both-added" (50 vs 51). The virtual base holds 5 = 50, so only y changed it.
  const MergeResult m = repo.merge("y", {});
  REQUIRE(m.kind == MergeResult::Kind::Merged);
  CHECK_FALSE(m.base.has_value());  // virtual
  CHECK(contents(repo, *m.commit, "v") == Values{{1, 11}, {5, 51}, {7, 70}, {8, 80}, {9, 90}});
}

TEST_CASE("MergeBase: criss-cross with different resolutions conflicts again",
          "[core][merge_base][merge]") {
  // x2 kept 11, y2 kept 12. Picking either LCA as the base would silently take the other
  // side's resolution (the picked LCA equals one side); the virtual base equals neither.
  CrissCross cc(MergeStrategy::Ours, MergeStrategy::Ours);
  Repository& repo = cc.repo;
  CHECK(contents(repo, cc.x2, "v").at(1) == 11);
  CHECK(contents(repo, cc.y2, "v").at(1) == 12);
  const MergeResult m = repo.merge("y", {});
  CHECK(m.kind == MergeResult::Kind::Conflict);
  REQUIRE(m.conflicts.size() == 1);
  CHECK(m.conflicts[0].column == "v");
  CHECK(m.conflicts[0].key == Key(1));
  CHECK(m.conflicts[0].kind == ConflictKind::BothModified);
  const MergeResult r = repo.merge("y", {"", MergeStrategy::Theirs, {}});
  REQUIRE(r.kind == MergeResult::Kind::Merged);
  CHECK(contents(repo, *r.commit, "v") == Values{{1, 12}, {5, 50}, {7, 70}});
}

}  // namespace
}  // namespace hangar
