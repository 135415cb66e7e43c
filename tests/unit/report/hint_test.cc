// report::hint_sentence / error_text: the CLI's words for a Hint (hangar/report/hint.h).
#include <hangar/error.h>
#include <hangar/report/hint.h>

#include <catch2/catch.hpp>
#include <string>

namespace hangar::report {
namespace {

TEST_CASE("hint text: an error's message then its hint as a hangar command", "[report][hint]") {
  const Error sample(ErrorCode::NotLocal, "sample '2' of the staged state is not local",
                     Hint{.action = HintAction::FetchSample,
                          .remote = "origin",
                          .revision = "HEAD",
                          .keys = {"2"}});
  CHECK(error_text(sample) ==
        "sample '2' of the staged state is not local; run 'hangar fetch-data origin HEAD --keys "
        "2' or set 'hangar config fetch.lazy true'");
  CHECK(error_text(Error(ErrorCode::Unsupported, "repository 'r' is storage format 1",
                         Hint{.action = HintAction::Upgrade})) ==
        "repository 'r' is storage format 1: run 'hangar upgrade' (it keeps the old data until "
        "the new is verified)");
  CHECK(error_text(Error(ErrorCode::NotFound, "no column 'x'")) == "no column 'x'");
}

TEST_CASE("hint text: fetch-data names a placeholder remote only before other arguments",
          "[report][hint]") {
  CHECK(hint_sentence(Hint{.action = HintAction::FetchData}) == "run 'hangar fetch-data'");
  CHECK(hint_sentence(Hint{.action = HintAction::FetchData, .column = "label"}) ==
        "run 'hangar fetch-data REMOTE --columns label'");
  CHECK(hint_sentence(Hint{.action = HintAction::FetchData,
                           .remote = "origin",
                           .revision = "main",
                           .all_history = true}) ==
        "run 'hangar fetch-data origin main --all-history'");
  CHECK(hint_sentence(Hint{.action = HintAction::CompleteClone, .path = "c", .url = "http://h"}) ==
        "run the same 'hangar clone http://h c' again to complete it");
}

}  // namespace
}  // namespace hangar::report
