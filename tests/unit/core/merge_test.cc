// Repository::merge end to end: up-to-date, fast-forward, clean three-way merges, every
// conflict kind (nothing written), strategies, columns added / deleted / re-created on one or
// both sides, criss-cross histories (virtual merge base), and the per-key rule as a property.
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>

#include "history_test_util.h"

namespace hangar {
namespace {

using namespace history_test;
using Kind = MergeResult::Kind;

// main and dev both at a base commit holding column v = {1:10, 2:20, ..., 6:60}; on main.
struct Fork {
  TempRepo t;
  Repository& repo = t.repo;
  Digest base;
  Fork() {
    repo.create_column(int_column("v"));
    for (std::uint64_t k = 1; k <= 6; ++k)
      put_value(repo, "v", k, static_cast<std::int64_t>(k * 10));
    base = repo.commit("base");
    repo.create_branch("dev", std::nullopt);
  }
  Digest on(const std::string& branch, const std::function<void()>& edit) {
    repo.checkout(branch);
    edit();
    const Digest c = repo.commit("edit on " + branch);
    repo.checkout("main");
    return c;
  }
  Values v(const std::optional<Digest>& at) { return contents(repo, *at, "v"); }
};

Conflict conflict(std::string col, std::optional<std::uint64_t> key, ConflictKind kind) {
  Conflict c;
  c.column = std::move(col);
  c.kind = kind;
  if (key) c.key = Key(*key);
  return c;
}

ColumnSchema typed(std::string name, DType t) {
  ColumnSchema s = int_column(std::move(name));
  s.dtype = t;
  return s;
}

TEST_CASE("Merge: up-to-date and fast-forward", "[core][merge]") {
  Fork f;
  CHECK(f.repo.merge("main", {}).kind == Kind::UpToDate);
  CHECK(f.repo.merge("dev", {}).kind == Kind::UpToDate);  // same commit
  const Digest d1 = f.on("dev", [&] { put_value(f.repo, "v", 7, 70); });
  const std::uint64_t objects = object_count(f.repo);
  const MergeResult ff = f.repo.merge("dev", {});
  CHECK(ff.kind == Kind::FastForward);
  CHECK(ff.commit == d1);
  CHECK(f.repo.head() == d1);
  CHECK(object_count(f.repo) == objects);  // only the ref moved
  f.repo.checkout("dev");
  const MergeResult up = f.repo.merge("main", {});
  CHECK(up.kind == Kind::UpToDate);
  CHECK(up.commit == d1);
  CHECK(error_of([&] { f.repo.merge("nope", {}); }).code() == ErrorCode::NotFound);
  put_value(f.repo, "v", 8, 80);
  CHECK(error_of([&] { f.repo.merge("main", {}); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Merge: any revision merges, not only a branch", "[core][merge]") {
  Fork f;
  const Digest d1 = f.on("dev", [&] { put_value(f.repo, "v", 7, 70); });
  const Digest d2 = f.on("dev", [&] { put_value(f.repo, "v", 8, 80); });
  const Digest ours = f.on("main", [&] { put_value(f.repo, "v", 9, 90); });
  SECTION("dev~1: a three-way merge of that commit, named as given") {
    const MergeResult m = f.repo.merge("dev~1", {});
    REQUIRE(m.kind == Kind::Merged);
    CHECK(f.repo.get_commit(*m.commit).parents == std::vector<Digest>{ours, d1});
    CHECK(f.repo.get_commit(*m.commit).message == "Merge 'dev~1' into 'main'");
    CHECK(f.v(m.commit) ==
          Values{{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}, {6, 60}, {7, 70}, {9, 90}});
  }
  SECTION("a commit digest prefix") {
    const MergeResult m = f.repo.merge(d2.hex().substr(0, 10), {});
    REQUIRE(m.kind == Kind::Merged);
    CHECK(f.repo.get_commit(*m.commit).parents == std::vector<Digest>{ours, d2});
  }
  SECTION("an ancestor of HEAD is up to date; a bad revision changes nothing") {
    CHECK(f.repo.merge("HEAD~1", {}).kind == Kind::UpToDate);
    CHECK(error_of([&] { f.repo.merge("dev~9", {}); }).code() == ErrorCode::NotFound);
    CHECK(error_of([&] { f.repo.merge("dev~x", {}); }).code() == ErrorCode::InvalidArgument);
    CHECK(f.repo.head() == ours);
  }
}

TEST_CASE("Merge: non-conflicting changes from both sides combine", "[core][merge]") {
  Fork f;
  f.repo.create_column(int_column("old"));
  put_value(f.repo, "old", 1, 1);
  f.repo.create_column(int_column("old2"));
  put_value(f.repo, "old2", 1, 1);
  f.base = f.repo.commit("two more columns");
  f.repo.delete_branch("dev", true);
  f.repo.create_branch("dev", std::nullopt);
  const Digest ours = f.on("main", [&] {
    put_value(f.repo, "v", 10, 100);  // added
    put_value(f.repo, "v", 1, 11);    // modified
    remove_key(f.repo, "v", 2);       // deleted
    put_value(f.repo, "v", 5, 55);    // same change on both
    remove_key(f.repo, "v", 6);       // same deletion on both
    f.repo.delete_column("old");      // theirs leaves it alone
  });
  const Digest theirs = f.on("dev", [&] {
    put_value(f.repo, "v", 11, 110);
    put_value(f.repo, "v", 3, 33);
    remove_key(f.repo, "v", 4);
    put_value(f.repo, "v", 5, 55);
    remove_key(f.repo, "v", 6);
    f.repo.create_column(int_column("new"));
    put_value(f.repo, "new", 7, 7);
    f.repo.delete_column("old2");
  });
  const MergeResult m = f.repo.merge("dev", {"merge dev", MergeStrategy::None, {}});
  REQUIRE(m.kind == Kind::Merged);
  CHECK(m.conflicts.empty());
  CHECK(m.resolved.empty());
  CHECK(m.base == f.base);
  CHECK(f.repo.head() == m.commit);
  const Commit c = f.repo.get_commit(*m.commit);
  CHECK(c.parents == std::vector<Digest>{ours, theirs});
  CHECK(c.message == "merge dev");
  CHECK(f.v(m.commit) == Values{{1, 11}, {3, 33}, {5, 55}, {10, 100}, {11, 110}});
  const Checkout view = f.repo.checkout_at(*m.commit);
  CHECK(view.column_names() == std::vector<std::string>{"new", "v"});
  CHECK(contents(f.repo, *m.commit, "new") == Values{{7, 7}});
  CHECK(view.count("v") == 5);
  // Both sides' commits are in the merge's history.
  std::vector<Digest> logged;
  for (const auto& e : f.repo.log(*m.commit, 100)) logged.push_back(e.digest);
  CHECK(logged.size() == 5);
  CHECK(std::count(logged.begin(), logged.end(), ours) == 1);
  CHECK(std::count(logged.begin(), logged.end(), theirs) == 1);
}

TEST_CASE("Merge: every conflict kind is listed by column and key, nothing is written",
          "[core][merge]") {
  Fork f;
  f.repo.create_column(int_column("s"));
  f.base = f.repo.commit("column s");
  f.repo.delete_branch("dev", true);
  f.repo.create_branch("dev", std::nullopt);
  const Digest ours = f.on("main", [&] {
    put_value(f.repo, "v", 1, 11);     // both-modified
    remove_key(f.repo, "v", 2);        // deleted-modified
    put_value(f.repo, "v", 3, 33);     // modified-deleted
    put_value(f.repo, "v", 100, 100);  // both-added
    put_value(f.repo, "v", 4, 44);     // same on both: no conflict
    put_value(f.repo, "v", 5, 55);     // ours only
    f.repo.delete_column("s");
    f.repo.create_column(typed("s", DType::Int32));
  });
  const Digest theirs = f.on("dev", [&] {
    put_value(f.repo, "v", 1, 12);
    put_value(f.repo, "v", 2, 22);
    remove_key(f.repo, "v", 3);
    put_value(f.repo, "v", 100, 101);
    put_value(f.repo, "v", 4, 44);
    put_value(f.repo, "v", 6, 66);  // theirs only
    f.repo.delete_column("s");
    f.repo.create_column(typed("s", DType::Float32));
  });
  const std::vector<Conflict> expected{
      conflict("s", std::nullopt, ConflictKind::Schema),
      conflict("v", 1, ConflictKind::BothModified),
      conflict("v", 2, ConflictKind::DeletedModified),
      conflict("v", 3, ConflictKind::ModifiedDeleted),
      conflict("v", 100, ConflictKind::BothAdded),
  };
  SECTION("no strategy: conflicts, nothing written") {
    const std::uint64_t objects = object_count(f.repo);
    const auto log_before = f.repo.log(ours, 100);
    const MergeResult m = f.repo.merge("dev", {});
    CHECK(m.kind == Kind::Conflict);
    CHECK_FALSE(m.commit.has_value());
    CHECK(keyed(m.conflicts) == expected);
    CHECK(f.repo.head() == ours);
    CHECK(f.repo.find_branch("dev") == theirs);
    CHECK(object_count(f.repo) == objects);
    CHECK(f.repo.log(ours, 100).size() == log_before.size());
    CHECK(f.repo.status().clean());
  }
  SECTION("--strategy theirs") {
    const MergeResult m = f.repo.merge("dev", {"", MergeStrategy::Theirs, {}});
    REQUIRE(m.kind == Kind::Merged);
    CHECK(keyed(m.resolved) == expected);
    CHECK(f.v(m.commit) == Values{{1, 12}, {2, 22}, {4, 44}, {5, 55}, {6, 66}, {100, 101}});
    CHECK(f.repo.checkout_at(*m.commit).schema("s").dtype == DType::Float32);
    CHECK(f.repo.get_commit(*m.commit).message == "Merge branch 'dev' into 'main'");
  }
  SECTION("--strategy ours") {
    const MergeResult m = f.repo.merge("dev", {"", MergeStrategy::Ours, {}});
    REQUIRE(m.kind == Kind::Merged);
    CHECK(keyed(m.resolved) == expected);
    CHECK(f.v(m.commit) == Values{{1, 11}, {3, 33}, {4, 44}, {5, 55}, {6, 66}, {100, 100}});
    CHECK(f.repo.checkout_at(*m.commit).schema("s").dtype == DType::Int32);
  }
}

TEST_CASE("Merge: a column deleted on one side and changed on the other conflicts per key",
          "[core][merge]") {
  Fork f;
  f.on("main", [&] { f.repo.delete_column("v"); });
  f.on("dev", [&] {
    put_value(f.repo, "v", 1, 11);
    put_value(f.repo, "v", 9, 90);
  });
  const std::vector<Conflict> expected{conflict("v", 1, ConflictKind::DeletedModified),
                                       conflict("v", 9, ConflictKind::DeletedModified)};
  SECTION("conflicts") {
    const MergeResult m = f.repo.merge("dev", {});
    CHECK(m.kind == Kind::Conflict);
    CHECK(keyed(m.conflicts) == expected);
  }
  SECTION("theirs keeps their column") {
    const MergeResult m = f.repo.merge("dev", {"", MergeStrategy::Theirs, {}});
    REQUIRE(m.kind == Kind::Merged);
    CHECK(f.v(m.commit) == Values{{1, 11}, {2, 20}, {3, 30}, {4, 40}, {5, 50}, {6, 60}, {9, 90}});
  }
  SECTION("ours keeps the deletion") {
    const MergeResult m = f.repo.merge("dev", {"", MergeStrategy::Ours, {}});
    REQUIRE(m.kind == Kind::Merged);
    CHECK_FALSE(f.repo.checkout_at(*m.commit).has_column("v"));
  }
  SECTION("the other way round: modified-deleted") {
    f.repo.checkout("dev");
    const MergeResult m = f.repo.merge("main", {});
    CHECK(m.kind == Kind::Conflict);
    CHECK(keyed(m.conflicts) ==
          std::vector<Conflict>{conflict("v", 1, ConflictKind::ModifiedDeleted),
                                conflict("v", 9, ConflictKind::ModifiedDeleted)});
  }
}

TEST_CASE("Merge: columns added or re-created on both sides", "[core][merge]") {
  Fork f;
  SECTION("same schema on both sides: samples combine, both-added on disagreement") {
    f.on("main", [&] {
      f.repo.create_column(int_column("w"));
      put_value(f.repo, "w", 1, 1);
      put_value(f.repo, "w", 3, 3);
    });
    f.on("dev", [&] {
      f.repo.create_column(int_column("w"));
      put_value(f.repo, "w", 2, 2);
      put_value(f.repo, "w", 3, 4);
    });
    const MergeResult m = f.repo.merge("dev", {});
    CHECK(keyed(m.conflicts) == std::vector<Conflict>{conflict("w", 3, ConflictKind::BothAdded)});
    const MergeResult r = f.repo.merge("dev", {"", MergeStrategy::Theirs, {}});
    REQUIRE(r.kind == Kind::Merged);
    CHECK(contents(f.repo, *r.commit, "w") == Values{{1, 1}, {2, 2}, {3, 4}});
  }
  SECTION("equal schema change on both sides merges; different ones conflict") {
    f.on("main", [&] {
      f.repo.delete_column("v");
      f.repo.create_column(typed("v", DType::Int32));
      f.repo.create_column(typed("x", DType::UInt8));
    });
    f.on("dev", [&] {
      f.repo.delete_column("v");
      f.repo.create_column(typed("v", DType::Int32));
      f.repo.create_column(typed("x", DType::UInt16));
    });
    const MergeResult m = f.repo.merge("dev", {});
    CHECK(keyed(m.conflicts) ==
          std::vector<Conflict>{conflict("x", std::nullopt, ConflictKind::Schema)});
    const MergeResult r = f.repo.merge("dev", {"", MergeStrategy::Ours, {}});
    REQUIRE(r.kind == Kind::Merged);
    const Checkout view = f.repo.checkout_at(*r.commit);
    CHECK(view.schema("v").dtype == DType::Int32);
    CHECK(view.count("v") == 0);
    CHECK(view.schema("x").dtype == DType::UInt8);
  }
  SECTION("schema changed on one side, samples changed on the other: schema conflict") {
    f.on("main", [&] {
      f.repo.delete_column("v");
      f.repo.create_column(typed("v", DType::Int32));
    });
    f.on("dev", [&] { put_value(f.repo, "v", 1, 11); });
    CHECK(keyed(f.repo.merge("dev", {}).conflicts) ==
          std::vector<Conflict>{conflict("v", std::nullopt, ConflictKind::Schema)});
  }
}

TEST_CASE("Merge: nested columns report subkeys", "[core][merge]") {
  TempRepo t;
  Repository& repo = t.repo;
  repo.create_column(int_column("n", Layout::Nested));
  repo.put("n", Key("a"), Key(1), scalar(1).view());
  repo.commit("base");
  repo.create_branch("dev", std::nullopt);
  repo.put("n", Key("a"), Key(1), scalar(2).view());
  repo.commit("ours");
  repo.checkout("dev");
  repo.put("n", Key("a"), Key(1), scalar(3).view());
  repo.commit("theirs");
  repo.checkout("main");
  const MergeResult m = repo.merge("dev", {});
  REQUIRE(m.conflicts.size() == 1);
  CHECK(m.conflicts[0].key == Key("a"));
  CHECK(m.conflicts[0].subkey == Key(1));
  CHECK(m.conflicts[0].kind == ConflictKind::BothModified);
}

}  // namespace
}  // namespace hangar
