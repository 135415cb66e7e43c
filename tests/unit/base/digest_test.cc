// Digest: SHA-256 known answers, hex, prefixes, streaming; Checksum128: XXH3-128 known answers.
#include <hangar/base/checksum.h>
#include <hangar/base/digest.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using hangar::Digest;

// FIPS 180-4 / NIST CSRC example values (also `printf abc | sha256sum`).
TEST_CASE("Digest: SHA-256 known answers", "[base][digest]") {
  CHECK(Digest::kSize == 32);
  CHECK(hangar::digest_of(hangar::as_bytes("")).hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hangar::digest_of(hangar::as_bytes("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hangar::digest_of(
            hangar::as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            .hex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a' (several blocks, through the one-shot and the streaming paths).
  const std::string million(1000000, 'a');
  const std::string want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  CHECK(hangar::digest_of(hangar::as_bytes(million)).hex() == want);
  hangar::Hasher h;
  for (std::size_t at = 0; at < million.size(); at += 4096)
    h.update(hangar::as_bytes(std::string_view(million).substr(at, 4096)));
  CHECK(h.finish().hex() == want);
}

// Expected values computed independently with `xxhsum -H2` (xxhash 0.8.1 CLI): the values
// format 1 used as digests, now the fast checksum of checksum.h.
TEST_CASE("Checksum128: XXH3-128 known answers", "[base][digest]") {
  CHECK(hangar::xxh3_128(hangar::as_bytes("")).hex() == "99aa06d3014798d86001c324468d497f");
  const hangar::Checksum128 abc = hangar::xxh3_128(hangar::as_bytes("abc"));
  CHECK(abc.hex() == "06b05ab6733a618578af5f94892f3950");
  CHECK(abc.high == 0x06b05ab6733a6185ull);
  CHECK(abc.low == 0x78af5f94892f3950ull);
  const auto canon = abc.canonical();
  CHECK(hangar::Checksum128::from_canonical(canon) == abc);
  hangar::StreamChecksum s;
  s.update(hangar::as_bytes("a"));
  s.update(hangar::as_bytes("bc"));
  CHECK(s.finish() == abc);
}

TEST_CASE("Digest: streaming hasher equals one-shot", "[base][digest]") {
  std::string data(10000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  hangar::Hasher h;
  h.update(hangar::as_bytes(std::string_view(data).substr(0, 123)));
  CHECK(h.finish() == hangar::digest_of(hangar::as_bytes(std::string_view(data).substr(0, 123))));
  h.update(hangar::as_bytes(std::string_view(data).substr(123)));  // finish() did not end it
  CHECK(h.finish() == hangar::digest_of(hangar::as_bytes(data)));
  hangar::Hasher moved = std::move(h);
  CHECK(moved.finish() == hangar::digest_of(hangar::as_bytes(data)));
}

TEST_CASE("Digest: digest_of is thread-safe", "[base][digest]") {
  const Digest want = hangar::digest_of(hangar::as_bytes("abc"));
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) good[t] += hangar::digest_of(hangar::as_bytes("abc")) == want;
    });
  for (auto& th : threads) th.join();
  for (int g : good) CHECK(g == 2000);
}

TEST_CASE("Digest: hex round-trip and rejects bad hex", "[base][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("abc"));
  CHECK(d.hex().size() == 64);
  auto back = Digest::from_hex(d.hex());
  REQUIRE(back.has_value());
  CHECK(*back == d);
  CHECK(Digest::from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") == d);
  CHECK_FALSE(Digest::from_hex("ba7816bf").has_value());
  // A format-1 (XXH3-128) digest is 32 hex chars: not a digest any more.
  CHECK_FALSE(Digest::from_hex("06b05ab6733a618578af5f94892f3950").has_value());
  CHECK_FALSE(Digest::from_hex("zz" + d.hex().substr(2)).has_value());
  CHECK_FALSE(Digest::from_hex(d.hex() + "0").has_value());
  CHECK(d.short_hex() == "ba7816bf8f01");
  CHECK(d.short_hex(4) == "ba78");
  CHECK_FALSE(d.is_zero());
  CHECK(Digest{}.is_zero());
}

TEST_CASE("Digest: hex prefix matching", "[base][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("abc"));
  CHECK(hangar::hex_prefix_matches(d, ""));
  CHECK(hangar::hex_prefix_matches(d, "ba7816"));
  CHECK(hangar::hex_prefix_matches(d, "ba7816b"));
  CHECK(hangar::hex_prefix_matches(d, d.hex().substr(0, 40)));
  CHECK(hangar::hex_prefix_matches(d, d.hex()));
  CHECK_FALSE(hangar::hex_prefix_matches(d, "ba7817"));
  CHECK_FALSE(hangar::hex_prefix_matches(d, d.hex() + "0"));
}

TEST_CASE("Digest: from_bytes takes exactly 32 bytes", "[base][digest]") {
  const Digest d = hangar::digest_of(hangar::as_bytes("x"));
  CHECK(Digest::from_bytes(d.view()) == d);
  for (std::size_t n : {std::size_t{16}, std::size_t{31}}) {
    try {
      Digest::from_bytes(d.view().first(n));
      FAIL("expected Corrupt");
    } catch (const hangar::Error& e) {
      CHECK(e.code() == hangar::ErrorCode::Corrupt);
      CHECK_THAT(e.what(), Catch::Contains("expected 32"));
    }
  }
}
