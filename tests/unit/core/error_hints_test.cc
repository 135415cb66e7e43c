// Library errors say what to do as a structured Hint, never as a CLI command line
// (docs/decisions/0022-error-hints.md): a few representative errors of each kind of hint.
#include <hangar/error.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>
#include <string>

#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"

namespace hangar {
namespace {

// The error's message names no 'hangar ...' command and its hint is `action`.
void check_hint(const Error& e, HintAction action) {
  INFO(e.what());
  CHECK(std::string(e.what()).find("'hangar ") == std::string::npos);
  REQUIRE(e.hint() != nullptr);
  CHECK(hint_action_name(e.hint()->action) == hint_action_name(action));
}

TEST_CASE("Error hints: repository errors carry a hint and no command line", "[core][error]") {
  testing::TempRepo r;
  check_hint(error_of([&] { r.repo.checkout("nope"); }), HintAction::BranchList);
  check_hint(error_of([&] { r.repo.resolve("nope"); }), HintAction::RevisionList);
  check_hint(error_of([&] { r.repo.commit("empty"); }), HintAction::Stage);
  check_hint(error_of([&] { r.repo.set_config("remote.origin.url", "http://x"); }),
             HintAction::ManagedByRemote);
  CHECK(error_of([&] { r.repo.set_config("remote.origin.url", "http://x"); }).hint()->name ==
        "remote.origin.url");

  testing::StorageTempDir plain("plain");
  check_hint(error_of([&] { Repository::open(plain.path(), Repository::Mode::Read); }),
             HintAction::Init);
  check_hint(error_of([&] { Repository::find_root(plain.path()); }), HintAction::InitOrLocate);
}

TEST_CASE("Error hints: with_context keeps the hint and its arguments", "[core][error]") {
  const Error e(ErrorCode::NotLocal, "sample '2' is not local",
                Hint{.action = HintAction::FetchSample,
                     .remote = "origin",
                     .revision = "HEAD",
                     .keys = {"2"}});
  const Error wrapped = e.with_context("cannot read 'c'/'2'");
  CHECK(std::string(wrapped.what()) == "cannot read 'c'/'2': sample '2' is not local");
  CHECK(wrapped.code() == ErrorCode::NotLocal);
  REQUIRE(wrapped.hint() != nullptr);
  CHECK(wrapped.hint()->action == HintAction::FetchSample);
  CHECK(wrapped.hint()->remote == "origin");
  CHECK(wrapped.hint()->keys == std::vector<std::string>{"2"});
  CHECK(Error(ErrorCode::NotFound, "x").with_context("y").hint() == nullptr);
}

}  // namespace
}  // namespace hangar
