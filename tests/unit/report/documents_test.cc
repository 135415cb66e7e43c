// The status, log, branch list, diff, show and merge documents, built from hand-made results.
#include <hangar/report/json.h>

#include <catch2/catch.hpp>

#include "keys_of.h"

namespace hangar::report {
namespace {

using testing::Keys;
using testing::keys_of;

Digest digest(std::uint8_t fill) {
  Digest d;
  d.bytes.fill(std::byte{fill});
  return d;
}

Key k(std::uint64_t v) { return Key(v); }
Key k(const char* s) { return Key(std::string(s)); }

TEST_CASE("Report: status of a clean and a dirty repository", "[report][status]") {
  StatusReport clean;
  clean.branch = "main";
  const Json c = status_json(clean);
  CHECK(keys_of(c) ==
        Keys{"branch", "head", "staged", "columns_added", "columns_deleted", "columns_changed"});
  CHECK(c.dump() == R"({"branch":"main","head":null,"staged":{},"columns_added":[],)"
                    R"("columns_deleted":[],"columns_changed":[]})");

  StatusReport dirty = clean;
  dirty.head = digest(0xab);
  dirty.staged["images"] = StagedCounts{3, 1, 2};
  dirty.columns_added = {"labels"};
  dirty.columns_deleted = {"old"};
  dirty.columns_changed = {"label"};
  const Json d = status_json(dirty);
  CHECK(keys_of(d) == keys_of(c));
  CHECK(d["head"] == digest(0xab).hex());
  CHECK(d["staged"].dump() == R"({"images":{"added":3,"deleted":1,"mutated":2}})");
  CHECK(d["columns_added"].dump() == R"(["labels"])");
  CHECK(d["columns_deleted"].dump() == R"(["old"])");
  CHECK(d["columns_changed"].dump() == R"(["label"])");
  CHECK(d != c);
}

TEST_CASE("Report: log entries in the order given", "[report][log]") {
  CHECK(log_json({}).dump() == "[]");
  LogEntry merge{digest(2), Commit{}};
  merge.commit.parents = {digest(1), digest(3)};
  merge.commit.author = "Ann";
  merge.commit.email = "ann@example.org";
  merge.commit.time = 1795517880;
  merge.commit.message = "merge dev\n\nbody";
  const LogEntry root{digest(1), Commit{}};
  const Json j = log_json({merge, root});
  REQUIRE(j.size() == 2);
  CHECK(keys_of(j[0]) == Keys{"digest", "parents", "author", "email", "time", "message"});
  CHECK(j[0]["digest"] == digest(2).hex());
  CHECK(j[0]["parents"] == Json::array({digest(1).hex(), digest(3).hex()}));
  CHECK(j[0]["time"] == "2026-11-24T10:58:00Z");
  CHECK(j[0]["message"] == "merge dev\n\nbody");
  CHECK(j[1]["parents"].dump() == "[]");
}

TEST_CASE("Report: branch list, local then remote-tracking", "[report][branch]") {
  const std::vector<BranchInfo> local{{"dev", digest(1), false}, {"main", digest(2), true}};
  const Json only_local = branches_json(local);
  REQUIRE(only_local.size() == 2);
  CHECK(keys_of(only_local[0]) == Keys{"name", "commit", "current", "remote"});
  CHECK(only_local[1].dump() ==
        R"({"name":"main","commit":")" + digest(2).hex() + R"(","current":true,"remote":false})");

  const Json all = branches_json(local, {{"origin/main", digest(3), false}});
  REQUIRE(all.size() == 3);
  CHECK(all[0] == only_local[0]);
  CHECK(all[2]["name"] == "origin/main");
  CHECK(all[2]["remote"] == true);
  CHECK(branches_json({}).dump() == "[]");
}

// images: +1 -2 ~3 (stats known); nested: ~[7,"a"] (stats unknown); schema: labels added.
DiffResult sample_diff() {
  DiffResult d;
  d.from = DiffSide::at(digest(1));
  d.to = DiffSide::staged();
  ColumnDiff& images = d.columns["images"];
  images.counts = DiffCounts{1, 1, 1};
  images.added = {SampleKey{k(1), std::nullopt}};
  images.deleted = {SampleKey{k("two"), std::nullopt}};
  images.mutated = {MutatedSample{SampleKey{k(3), std::nullopt}, ElementDiff{4, 0.5}}};
  ColumnDiff& nested = d.columns["nested"];
  nested.counts = DiffCounts{0, 0, 1};
  nested.mutated = {MutatedSample{SampleKey{k(7), k("a")}, std::nullopt}};
  d.schema.added = {"labels"};
  return d;
}

TEST_CASE("Report: diff at each detail level", "[report][diff]") {
  const DiffResult d = sample_diff();

  SECTION("counts") {
    const Json j = diff_json(d, DiffDetail::Counts);
    CHECK(keys_of(j) == Keys{"from", "to", "columns", "schema"});
    CHECK(j["from"] == digest(1).hex());
    CHECK(j["to"] == "staged");
    CHECK(keys_of(j["columns"]) == Keys{"images", "nested"});
    CHECK(j["columns"]["images"].dump() == R"({"counts":{"added":1,"deleted":1,"mutated":1}})");
    CHECK(j["schema"].dump() == R"({"added":["labels"],"deleted":[],"mutated":[]})");
  }
  SECTION("keys") {
    const Json j = diff_json(d, DiffDetail::Keys);
    CHECK(keys_of(j) == Keys{"from", "to", "columns", "schema"});
    CHECK(j["columns"]["images"].dump() ==
          R"({"counts":{"added":1,"deleted":1,"mutated":1},"added":[1],"deleted":["two"],)"
          R"("mutated":[3]})");
    CHECK(j["columns"]["nested"]["mutated"].dump() == R"([[7,"a"]])");
  }
  SECTION("stats") {
    const Json j = diff_json(d, DiffDetail::Stats);
    CHECK(j["columns"]["images"]["added"].dump() == "[1]");
    // Stats adds a field and changes none: mutated is the same array of keys as at Keys.
    CHECK(j["columns"]["images"]["mutated"].dump() == "[3]");
    const Json& m = j["columns"]["images"]["stats"];
    REQUIRE(m.size() == 1);
    CHECK(m[0].dump() == R"({"key":3,"changed":4,"max_abs_diff":0.5})");
    CHECK(j["columns"]["nested"]["stats"][0].dump() ==
          R"({"key":7,"subkey":"a","changed":null,"max_abs_diff":null})");
  }
  SECTION("an empty side is null") {
    DiffResult e;
    e.to = DiffSide::at(digest(2));
    const Json j = diff_json(e, DiffDetail::Keys);
    CHECK(j["from"].is_null());
    CHECK(j["to"] == digest(2).hex());
    CHECK(j["columns"].dump() == "{}");
  }
}

TEST_CASE("Report: show is the commit's fields plus its changes as counts", "[report][show]") {
  ShowResult s;
  s.digest = digest(5);
  s.commit.parents = {digest(1)};
  s.commit.author = "Ann";
  s.commit.message = "add images";
  s.changes = sample_diff();
  const Json j = show_json(s);
  CHECK(keys_of(j) ==
        Keys{"digest", "parents", "author", "email", "time", "message", "columns", "schema"});
  CHECK(j["digest"] == digest(5).hex());
  CHECK(j["time"] == "1970-01-01T00:00:00Z");
  const Json counts = diff_json(s.changes, DiffDetail::Counts);
  CHECK(j["columns"]["images"] == counts["columns"]["images"]["counts"]);
  CHECK(j["columns"]["nested"].dump() == R"({"added":0,"deleted":0,"mutated":1})");
  CHECK(j["schema"] == counts["schema"]);
}

TEST_CASE("Report: merge results list each conflict's column, key and kind", "[report][merge]") {
  SECTION("conflict") {
    MergeResult r;
    r.kind = MergeResult::Kind::Conflict;
    r.conflicts.push_back(Conflict{"images", k(4), std::nullopt, ConflictKind::BothModified});
    r.conflicts.push_back(Conflict{"nested", k("x"), k(2), ConflictKind::ModifiedDeleted});
    r.conflicts.push_back(Conflict{"big", k(1), std::nullopt, ConflictKind::BothModified,
                                   ConflictRegion{{0, 64}, {32, 64}}});
    r.conflicts.push_back(Conflict{"labels", std::nullopt, std::nullopt, ConflictKind::Schema});
    const Json j = merge_json(r);
    CHECK(keys_of(j) == Keys{"result", "commit", "conflicts", "resolved"});
    CHECK(j["result"] == "conflict");
    CHECK(j["commit"].is_null());
    CHECK(j["resolved"].dump() == "[]");
    const Json& c = j["conflicts"];
    REQUIRE(c.size() == 4);
    CHECK(c[0].dump() == R"({"column":"images","key":4,"kind":"both-modified"})");
    CHECK(c[1].dump() == R"({"column":"nested","key":"x","kind":"modified-deleted","subkey":2})");
    CHECK(c[2]["region"].dump() == R"({"origin":[0,64],"extent":[32,64]})");
    CHECK(c[3].dump() == R"({"column":"labels","key":null,"kind":"schema"})");
  }
  SECTION("merged with a strategy") {
    MergeResult r;
    r.kind = MergeResult::Kind::Merged;
    r.commit = digest(9);
    r.resolved.push_back(Conflict{"images", k(4), std::nullopt, ConflictKind::BothAdded});
    const Json j = merge_json(r);
    CHECK(j["result"] == "merged");
    CHECK(j["commit"] == digest(9).hex());
    CHECK(j["conflicts"].dump() == "[]");
    CHECK(j["resolved"][0]["kind"] == "both-added");
  }
}

}  // namespace
}  // namespace hangar::report
