// Branch-name rules (git check-ref-format) and the RefStore over a temporary LMDB env.
#include "repo/refs.h"

#include <hangar/error.h>
#include <hangar/repository.h>
#include <hangar/storage/lmdb.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/storage_temp_dir.h"
#include "support/test_util.h"

namespace hangar {
namespace {

Digest d(std::string_view s) { return digest_of(as_bytes(s)); }

struct RefEnv {
  testing::StorageTempDir dir{"refs"};
  lmdb::Env env = lmdb::Env::open(dir / "meta", {"refs"});
  RefStore refs{env.table("refs")};
};

}  // namespace

TEST_CASE("Refs: valid branch names are accepted", "[core][refs]") {
  for (const char* name : {"main", "feature/x", "v1.2", "a", "release-2024_06", "a/b/c", "x.y.z",
                           "UPPER", "caf\xc3\xa9", "a-", "a@b", "lock", "a.locked"}) {
    INFO(name);
    CHECK_NOTHROW(validate_branch_name(name));
  }
  CHECK_NOTHROW(validate_branch_name(std::string(200, 'b')));
}

TEST_CASE("Refs: invalid branch names name the rule", "[core][refs]") {
  struct Case {
    std::string name;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {"-x", "'-'"},
      {"a..b", "'..'"},
      {"a/", "'/'"},
      {"/a", "'/'"},
      {"a//b", "'//'"},
      {"x.lock", "'.lock'"},
      {"a/x.lock/b", "'.lock'"},
      {"a b", "spaces"},
      {"a~b", "~"},
      {"a^b", "~"},
      {"a:b", "~"},
      {"a?b", "~"},
      {"a*b", "~"},
      {"a[b", "~"},
      {"a\\b", "~"},
      {"a\tb", "control"},
      {"a\x7f", "control"},
      {"HEAD", "reserved"},
      {"@", "reserved"},
      {".hidden", "'.'"},
      {"a/.b", "'.'"},
      {"a.", "'.'"},
      {"a@{1}", "'@{'"},
      {std::string(201, 'b'), "200"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Error e = error_of([&] { validate_branch_name(c.name); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("invalid branch name") && Catch::Contains(c.rule));
  }
}

TEST_CASE("RefStore: compare_and_swap creates, moves and refuses stale updates", "[core][refs]") {
  RefEnv r;
  const std::string ref = RefStore::branch_ref("main");
  CHECK(ref == "refs/heads/main");
  r.env.write([&](lmdb::WriteTxn& txn) {
    CHECK_FALSE(r.refs.read(txn, ref).has_value());
    CHECK_FALSE(r.refs.compare_and_swap(txn, ref, d("x"), d("1")));        // expected but absent
    CHECK(r.refs.compare_and_swap(txn, ref, std::nullopt, d("1")));        // must not exist: ok
    CHECK_FALSE(r.refs.compare_and_swap(txn, ref, std::nullopt, d("2")));  // now it exists
    CHECK(r.refs.read(txn, ref) == d("1"));
    CHECK_FALSE(r.refs.compare_and_swap(txn, ref, d("stale"), d("2")));
    CHECK(r.refs.read(txn, ref) == d("1"));
    CHECK(r.refs.compare_and_swap(txn, ref, d("1"), d("2")));
  });
  auto txn = r.env.begin_read();
  CHECK(r.refs.read(txn, ref) == d("2"));
}

TEST_CASE("RefStore: list is sorted and limited to the prefix, remove reports absence",
          "[core][refs]") {
  RefEnv r;
  r.env.write([&](lmdb::WriteTxn& txn) {
    for (const char* b : {"zeta", "alpha", "feature/x", "feature"})
      REQUIRE(r.refs.compare_and_swap(txn, RefStore::branch_ref(b), std::nullopt, d(b)));
    REQUIRE(r.refs.compare_and_swap(txn, "refs/remotes/origin/main", std::nullopt, d("r")));
    r.refs.set_head_branch(txn, "alpha");
  });
  {
    auto txn = r.env.begin_read();
    const auto heads = r.refs.list(txn, "refs/heads/");
    std::vector<std::string> names;
    for (const auto& [name, digest] : heads) {
      names.push_back(name);
      CHECK(digest == d(name.substr(11)));
    }
    CHECK(names == std::vector<std::string>{"refs/heads/alpha", "refs/heads/feature",
                                            "refs/heads/feature/x", "refs/heads/zeta"});
    CHECK(r.refs.head_branch(txn) == "alpha");
  }
  r.env.write([&](lmdb::WriteTxn& txn) {
    CHECK(r.refs.remove(txn, RefStore::branch_ref("zeta")));
    CHECK_FALSE(r.refs.remove(txn, RefStore::branch_ref("zeta")));
  });
  auto txn = r.env.begin_read();
  CHECK(r.refs.list(txn, "refs/heads/").size() == 3);
}

TEST_CASE("RefStore: HEAD stores the full ref name of the branch", "[core][refs]") {
  RefEnv r;
  r.env.write([&](lmdb::WriteTxn& txn) { r.refs.set_head_branch(txn, "feature/x"); });
  auto txn = r.env.begin_read();
  const auto raw = txn.get(r.env.table("refs"), as_bytes("HEAD"));
  REQUIRE(raw.has_value());
  CHECK(as_string_view(*raw) == "refs/heads/feature/x");
  CHECK(r.refs.head_branch(txn) == "feature/x");
}

TEST_CASE("RefStore: malformed HEAD and ref values are Corrupt", "[core][refs]") {
  RefEnv r;
  {
    auto txn = r.env.begin_read();
    const Error missing = error_of([&] { r.refs.head_branch(txn); });
    CHECK(missing.code() == ErrorCode::Corrupt);
    CHECK_THAT(missing.what(), Catch::Contains("HEAD"));
  }
  r.env.write([&](lmdb::WriteTxn& txn) {
    txn.put(r.env.table("refs"), as_bytes("HEAD"), as_bytes("refs/tags/v1"));
    txn.put(r.env.table("refs"), as_bytes("refs/heads/short"), as_bytes("0123456789"));
  });
  auto txn = r.env.begin_read();
  CHECK(error_of([&] { r.refs.head_branch(txn); }).code() == ErrorCode::Corrupt);
  const Error bad = error_of([&] { r.refs.read(txn, "refs/heads/short"); });
  CHECK(bad.code() == ErrorCode::Corrupt);
  CHECK_THAT(bad.what(), Catch::Contains("refs/heads/short"));
}

}  // namespace hangar
