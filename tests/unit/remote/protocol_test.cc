// The protocol's JSON bodies against hostile peers (regressions found by fuzz/protocol_fuzz.cc):
// a number is taken only as an integer that fits its field (nlohmann's get<int>() of 6.7e121 is
// undefined behaviour, of 2.5 is 2), and an encoded document is JSON whatever bytes its
// strings hold.
#include "protocol.h"

#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <string>

#include "data_protocol.h"
#include "store_layout.h"
#include "support/test_util.h"

using namespace hangar;
using namespace hangar::remote;

namespace {

std::string info_with_protocol(const std::string& number) {
  return R"({"protocol":)" + number +
         R"(,"min_protocol":2,"server":"hangar","name":"data","read_only":true,"capabilities":[]})";
}

}  // namespace

TEST_CASE("protocol: a number must be an integer within its field's range", "[remote][protocol]") {
  int min_version = 0;
  CHECK(protocol::decode_info(info_with_protocol("2"), min_version, "info").protocol == 2);
  for (const char* bad : {"6.7e121", "2.5", "-1e300", "4294967298", "-2147483649"}) {
    INFO(bad);
    const Error e =
        error_of([&] { protocol::decode_info(info_with_protocol(bad), min_version, "info"); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains("field 'protocol' is not an integer"));
  }
  const std::string reply = R"({"accepted":true,"reason":"","objects":-1,"chunks":0})";
  CHECK(error_of([&] { protocol::decode_push_reply(reply, "push"); }).code() == ErrorCode::Corrupt);

  const std::string hex(64, 'a');
  const std::string location = R"({"packs":["u"],"chunks":[[")" + hex + R"(",0,1.5e300,1,1,0,0]]})";
  CHECK(error_of([&] { protocol::decode_locations(location, 1, "locate"); }).code() ==
        ErrorCode::Corrupt);
  const std::string gc = R"({"packs_deleted":1e19,"bytes_deleted":0,"packs_live":0,)"
                         R"("packs_kept_young":0,"packs_kept_session":0,"uploads_deleted":0})";
  CHECK(error_of([&] { protocol::decode_gc_report(gc, "gc"); }).code() == ErrorCode::Corrupt);
  const std::string manifest = R"({"format":1.0,"head":"main","refs":{},"history":[],"data":[]})";
  CHECK(error_of([&] { store::decode_manifest(manifest, "manifest"); }).code() ==
        ErrorCode::Corrupt);
}

TEST_CASE("protocol: an error message that is not UTF-8 still encodes as JSON",
          "[remote][protocol]") {
  const std::string body = protocol::encode_error("unsupported scheme 'B\x92sic'");
  CHECK(protocol::decode_error(body) == "unsupported scheme 'B\xEF\xBF\xBDsic'");
  ServerInfo info{2, "hangar", "caf\xE9", true, {}};  // a Latin-1 folder name
  int min_version = 0;
  CHECK(protocol::decode_info(protocol::encode_info(info, 2), min_version, "info").name ==
        "caf\xEF\xBF\xBD");
}

TEST_CASE("protocol: tags in refs and tag updates round-trip and older documents have none",
          "[remote][protocol]") {
  const Digest d = digest_of(as_bytes(std::string("x")));
  RefList refs;
  refs.head = "main";
  refs.branches = {{"main", d}};
  refs.tags = {{"v1", d}};
  const RefList back = protocol::decode_refs(protocol::encode_refs(refs), "refs");
  REQUIRE(back.tags.size() == 1);
  CHECK(back.tags[0].name == "v1");
  CHECK(back.tags[0].commit == d);
  const std::string old = R"({"head":"main","branches":[]})";
  CHECK(protocol::decode_refs(old, "refs").tags.empty());

  const RefUpdate tag{"v1", std::nullopt, d, false, true};
  const std::string json = protocol::encode_updates(std::span<const RefUpdate>(&tag, 1));
  CHECK_THAT(json, Catch::Contains(R"("tag":"v1")"));
  CHECK_THAT(json, !Catch::Contains(R"("branch")"));  // a server older than tags refuses it
  const auto updates = protocol::decode_updates(json, "push");
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].tag);
  CHECK(updates[0].ref() == "refs/tags/v1");

  store::Manifest m;
  m.head = "main";
  m.tags = {{"v1", d}};
  CHECK(store::decode_manifest(store::encode_manifest(m), "manifest").tags.size() == 1);
}
