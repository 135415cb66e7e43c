// Digest: XXH3-128 known answers, hex, prefixes, streaming.
#include <hangar/error.h>
#include <hangar/storage/digest.h>

#include <catch2/catch.hpp>
#include <string>

using hangar::Digest;

// Expected values computed independently with `xxhsum -H2` (xxhash 0.8.1 CLI).
TEST_CASE("Digest: XXH3-128 known answers", "[storage][digest]") {
  CHECK(hangar::digest_of(hangar::as_bytes("")).hex() == "99aa06d3014798d86001c324468d497f");
  CHECK(hangar::digest_of(hangar::as_bytes("abc")).hex() == "06b05ab6733a618578af5f94892f3950");
}

TEST_CASE("Digest: streaming hasher equals one-shot", "[storage][digest]") {
  std::string data(10000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  hangar::Hasher h;
  h.update(hangar::as_bytes(std::string_view(data).substr(0, 123)));
  h.update(hangar::as_bytes(std::string_view(data).substr(123)));
  CHECK(h.finish() == hangar::digest_of(hangar::as_bytes(data)));
  hangar::Hasher moved = std::move(h);
  CHECK(moved.finish() == hangar::digest_of(hangar::as_bytes(data)));
}

TEST_CASE("Digest: hex round-trip and rejects bad hex", "[storage][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("abc"));
  auto back = Digest::from_hex(d.hex());
  REQUIRE(back.has_value());
  CHECK(*back == d);
  CHECK(Digest::from_hex("06B05AB6733A618578AF5F94892F3950") == d);
  CHECK_FALSE(Digest::from_hex("06b05ab6").has_value());
  CHECK_FALSE(Digest::from_hex("zzb05ab6733a618578af5f94892f3950").has_value());
  CHECK_FALSE(Digest::from_hex(d.hex() + "0").has_value());
  CHECK(d.short_hex() == "06b05ab6733a");
  CHECK(d.short_hex(4) == "06b0");
  CHECK_FALSE(d.is_zero());
  CHECK(Digest{}.is_zero());
}

TEST_CASE("Digest: hex prefix matching", "[storage][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("abc"));
  CHECK(hangar::hex_prefix_matches(d, ""));
  CHECK(hangar::hex_prefix_matches(d, "06b05a"));
  CHECK(hangar::hex_prefix_matches(d, "06b05ab"));
  CHECK(hangar::hex_prefix_matches(d, d.hex()));
  CHECK_FALSE(hangar::hex_prefix_matches(d, "06b05b"));
  CHECK_FALSE(hangar::hex_prefix_matches(d, d.hex() + "0"));
}

TEST_CASE("Digest: from_bytes takes exactly 16 bytes", "[storage][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("x"));
  CHECK(Digest::from_bytes(d.view()) == d);
  try {
    Digest::from_bytes(d.view().first(15));
    FAIL("expected Corrupt");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == hangar::ErrorCode::Corrupt);
  }
}
