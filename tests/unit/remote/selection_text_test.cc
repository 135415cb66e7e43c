// The clone.selection marker (selection_text.h): what encode_selection writes comes back, and
// text it never writes is Corrupt, so an interrupted clone is not completed with another
// selection than the one it was started with.
#include "selection_text.h"

#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <string>

#include "support/test_util.h"

using namespace hangar;
using namespace hangar::remote;

TEST_CASE("selection text: encode_selection round-trips", "[remote][selection]") {
  DataSelection s;
  s.columns = {"images", "labels"};
  s.keys = {Key(3), Key("cat/001")};
  s.fraction = 0.25;
  s.seed = 7;
  s.all_history = true;
  const std::string text = encode_selection(s);
  const DataSelection back = decode_selection(text, "config");
  CHECK(back.columns == s.columns);
  CHECK(back.keys == s.keys);
  CHECK(back.fraction == s.fraction);
  CHECK(back.seed == 7);
  CHECK(back.all_history);
  CHECK(encode_selection(back) == text);
  CHECK(is_default(decode_selection("", "config")));
}

// Found by fuzz/config_fuzz.cc: "columns=a,b,," gave the column names "a", "b" and "", which
// encode back as "columns=a,b," and so decode to another selection.
TEST_CASE("selection text: what encode_selection never writes is corrupt", "[remote][selection]") {
  for (const char* bad :
       {"columns=a,b,,", "columns=,a", "columns=im#ages", "stratify=a b", "fraction=1.5",
        "fraction=nan", "max_percent=0", "none;columns=a", "max_bytes=5;max_percent=50",
        "stratify=labels", "keys=0", "seed=-1", "colour=red"}) {
    INFO(bad);
    const Error e = error_of([&] { decode_selection(bad, "/r/.hangar/config"); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains("corrupt clone.selection in '/r/.hangar/config'"));
  }
}
