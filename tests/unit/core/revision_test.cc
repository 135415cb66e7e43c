// Revisions with ~N / ^N steps (revision.h) through Repository::resolve: linear history, a
// merge's parents, chains, digest prefixes and remote-tracking names as the name, and the
// errors for walking past the first commit, a missing parent and malformed text.
#include "repo/revision.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "history_test_util.h"
#include "repo/repo_access.h"

namespace hangar {
namespace {

using namespace history_test;

// main: c0 <- c1 <- c2 <- c3, one commit per value of column v.
struct Linear {
  TempRepo t;
  Repository& repo = t.repo;
  std::vector<Digest> c;
  Linear() {
    repo.create_column(int_column("v"));
    for (std::int64_t i = 0; i < 4; ++i) {
      put_value(repo, "v", static_cast<std::uint64_t>(i), i);
      c.push_back(repo.commit(std::string("c").append(std::to_string(i))));
    }
  }
};

// base <- m1 on main, base <- d1 <- d2 on dev, then M = merge of dev into main (parents m1, d2).
struct Merged {
  TempRepo t;
  Repository& repo = t.repo;
  Digest base, m1, d1, d2, merge;
  Merged() {
    repo.create_column(int_column("v"));
    put_value(repo, "v", 1, 1);
    base = repo.commit("base");
    repo.create_branch("dev", std::nullopt);
    repo.checkout("dev");
    put_value(repo, "v", 2, 2);
    d1 = repo.commit("d1");
    put_value(repo, "v", 3, 3);
    d2 = repo.commit("d2");
    repo.checkout("main");
    put_value(repo, "v", 4, 4);
    m1 = repo.commit("m1");
    const MergeResult r = repo.merge("dev", {});
    REQUIRE(r.kind == MergeResult::Kind::Merged);
    merge = *r.commit;
  }
};

Error resolve_error(const Repository& repo, std::string_view rev) {
  return error_of([&] { repo.resolve(rev); });
}

}  // namespace

TEST_CASE("Revision: parse splits the name from its ~N and ^N steps", "[core][revision]") {
  using Kind = detail::RevisionStep::Kind;
  const detail::Revision r = detail::parse_revision("dev~2^2~^0");
  CHECK(r.name == "dev");
  REQUIRE(r.steps.size() == 4);
  CHECK((r.steps[0].kind == Kind::Ancestor && r.steps[0].n == 2 && r.steps[0].begin == 3));
  CHECK((r.steps[1].kind == Kind::Parent && r.steps[1].n == 2 && r.steps[1].begin == 5));
  CHECK((r.steps[2].kind == Kind::Ancestor && r.steps[2].n == 1 && r.steps[2].begin == 7));
  CHECK((r.steps[3].kind == Kind::Parent && r.steps[3].n == 0 && r.steps[3].begin == 8));
  CHECK(detail::parse_revision("origin/main").steps.empty());
  CHECK(detail::parse_revision("").name.empty());
}

TEST_CASE("Revision: ~N walks the first-parent line of a linear history", "[core][revision]") {
  Linear l;
  for (std::size_t n = 0; n < 4; ++n) {
    INFO(n);
    CHECK(l.repo.resolve(std::string("HEAD~").append(std::to_string(n))) == l.c[3 - n]);
    CHECK(l.repo.resolve(std::string("main~").append(std::to_string(n))) == l.c[3 - n]);
  }
  CHECK(l.repo.resolve("HEAD~") == l.c[2]);
  CHECK(l.repo.resolve("HEAD^") == l.c[2]);
  CHECK(l.repo.resolve("HEAD^1") == l.c[2]);
  CHECK(l.repo.resolve("HEAD^0") == l.c[3]);
  CHECK(l.repo.resolve("HEAD^^^") == l.c[0]);
  CHECK(l.repo.resolve("HEAD~1~1") == l.c[1]);
  CHECK(l.repo.resolve("HEAD~~") == l.c[1]);
  CHECK(l.repo.resolve("HEAD~01") == l.c[2]);
}

TEST_CASE("Revision: a digest prefix or a remote-tracking branch takes steps too",
          "[core][revision]") {
  Linear l;
  CHECK(l.repo.resolve(l.c[3].hex().substr(0, 8) + "~1") == l.c[2]);
  CHECK(l.repo.resolve(l.c[2].hex() + "^") == l.c[1]);
  auto& st = detail::state_of(l.repo);
  st.meta.write([&](lmdb::WriteTxn& txn) {
    REQUIRE(st.refs.compare_and_swap(txn, "refs/remotes/origin/main", std::nullopt, l.c[3]));
  });
  CHECK(l.repo.resolve("origin/main~2") == l.c[1]);
  CHECK(l.repo.resolve("origin/main^^") == l.c[1]);
}

TEST_CASE("Revision: going past the first commit is NotFound with the ancestor count",
          "[core][revision]") {
  Linear l;
  const Error e = resolve_error(l.repo, "HEAD~4");
  CHECK(e.code() == ErrorCode::NotFound);
  CHECK_THAT(e.what(), Catch::StartsWith("'HEAD~4' goes past the first commit (HEAD has 3 "
                                         "ancestors on its first-parent line)"));
  const Error chained = resolve_error(l.repo, "main~2~5");
  CHECK(chained.code() == ErrorCode::NotFound);
  CHECK_THAT(chained.what(), Catch::Contains("(main~2 has 1 ancestor on"));
  REQUIRE(chained.hint() != nullptr);
  CHECK(chained.hint()->action == HintAction::Log);
  CHECK(chained.hint()->revision == "main~2");
  const Error root = resolve_error(l.repo, "HEAD~3^");
  CHECK(root.code() == ErrorCode::NotFound);
  CHECK_THAT(root.what(), Catch::Contains(l.c[0].short_hex()) &&
                              Catch::Contains("(HEAD~3), which has no parents"));
  CHECK(resolve_error(l.repo, "HEAD~18446744073709551615").code() == ErrorCode::NotFound);
}

TEST_CASE("Revision: ^1 and ^2 of a merge are its first and merged-in parents",
          "[core][revision]") {
  Merged m;
  CHECK(m.repo.resolve("HEAD") == m.merge);
  CHECK(m.repo.resolve("HEAD^1") == m.m1);
  CHECK(m.repo.resolve("HEAD~1") == m.m1);
  CHECK(m.repo.resolve("HEAD^2") == m.d2);
  CHECK(m.repo.resolve("HEAD^2~1") == m.d1);
  CHECK(m.repo.resolve("HEAD^2^") == m.d1);
  CHECK(m.repo.resolve("HEAD^2~2") == m.base);
  CHECK(m.repo.resolve("HEAD~2") == m.base);
  CHECK(m.repo.resolve("dev~2") == m.base);
  CHECK(m.repo.resolve("main^2~1^^0~0") == m.base);
}

TEST_CASE("Revision: a parent a commit does not have is NotFound naming it", "[core][revision]") {
  Merged m;
  const Error not_merge = resolve_error(m.repo, "HEAD~1^2");
  CHECK(not_merge.code() == ErrorCode::NotFound);
  CHECK_THAT(not_merge.what(),
             Catch::StartsWith("'HEAD~1^2' asks for parent 2 of commit " + m.m1.short_hex() +
                               " (HEAD~1), which has 1 parent"));
  const Error third = resolve_error(m.repo, "HEAD^3");
  CHECK(third.code() == ErrorCode::NotFound);
  CHECK_THAT(third.what(), Catch::Contains("which has 2 parents"));
}

TEST_CASE("Revision: malformed steps are InvalidArgument with the accepted forms",
          "[core][revision]") {
  Linear l;
  for (const char* rev :
       {"~1", "^", "~", "HEAD~x", "HEAD~-1", "HEAD~+1", "HEAD~1x", "HEAD^{commit}", "HEAD~ 1",
        "main^2x~1", "HEAD~99999999999999999999999"}) {
    INFO(rev);
    const Error e = resolve_error(l.repo, rev);
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::StartsWith("invalid revision '" + std::string(rev) + "'") &&
                             Catch::Contains("revisions look like HEAD~2"));
  }
  CHECK_THAT(resolve_error(l.repo, "HEAD~x").what(),
             Catch::Contains("'~' takes an optional number, not 'x'"));
  CHECK_THAT(resolve_error(l.repo, "~1").what(),
             Catch::Contains("a branch, HEAD or commit must come before '~'"));
  CHECK_THAT(resolve_error(l.repo, "HEAD~99999999999999999999999").what(),
             Catch::Contains("too large"));
}

TEST_CASE("Revision: an unknown name or an unborn HEAD fails before any step", "[core][revision]") {
  TempRepo t;
  const Error unborn = resolve_error(t.repo, "HEAD~1");
  CHECK(unborn.code() == ErrorCode::NotFound);
  CHECK_THAT(unborn.what(), Catch::Contains("no commits yet"));
  Linear l;
  const Error unknown = resolve_error(l.repo, "nope~1");
  CHECK(unknown.code() == ErrorCode::NotFound);
  CHECK_THAT(unknown.what(), Catch::Contains("unknown revision 'nope' in 'nope~1'"));
}

}  // namespace hangar

namespace hangar {
namespace {

TEST_CASE("Revision: tags resolve before branches and a name that is both is ambiguous",
          "[core][revision][tag]") {
  history_test::TempRepo t;
  Repository& repo = t.repo;
  repo.create_column(history_test::int_column("v"));
  history_test::put_value(repo, "v", 1, 1);
  const Digest c0 = repo.commit("c0");
  history_test::put_value(repo, "v", 2, 2);
  const Digest c1 = repo.commit("c1");

  CHECK(repo.create_tag("v1", std::string_view("HEAD~1")) == c0);
  CHECK(repo.resolve("v1") == c0);
  CHECK(repo.resolve("refs/tags/v1") == c0);
  CHECK(repo.resolve("refs/heads/main~1") == c0);
  CHECK(error_of([&] { repo.create_tag("v1", std::nullopt); }).code() == ErrorCode::AlreadyExists);
  CHECK(error_of([&] { repo.create_tag("../v", std::nullopt); }).code() ==
        ErrorCode::InvalidArgument);
  CHECK(error_of([&] { repo.create_tag("v~1", std::nullopt); }).code() ==
        ErrorCode::InvalidArgument);

  // A tag and a branch of one name: the same commit is fine, different commits are ambiguous.
  repo.create_branch("both", std::string_view("HEAD"));
  repo.create_tag("both", std::nullopt);
  CHECK(repo.resolve("both") == c1);
  repo.delete_tag("both");
  repo.create_tag("both", std::string_view("HEAD~1"));
  const Error e = error_of([&] { repo.resolve("both~0"); });
  CHECK(e.code() == ErrorCode::Ambiguous);
  CHECK_THAT(e.what(), Catch::Contains("refs/tags/both"));
  CHECK(repo.resolve("refs/heads/both") == c1);

  REQUIRE(repo.tags().size() == 2);
  CHECK(repo.tags()[0].name == "both");
  CHECK(repo.delete_tag("v1") == c0);
  CHECK(error_of([&] { repo.delete_tag("v1"); }).code() == ErrorCode::NotFound);
}

}  // namespace
}  // namespace hangar
