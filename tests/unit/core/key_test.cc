// Sample keys: command-line parsing, validation rules, and the self-delimiting sort encoding.
#include <hangar/error.h>
#include <hangar/key.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace hangar {
namespace {

// memcmp order of two byte strings: <0, 0, >0.
int compare_bytes(ByteView a, ByteView b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n != 0) {
    if (int c = std::memcmp(a.data(), b.data(), n); c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int sign(int v) { return (v > 0) - (v < 0); }

Key decode_all(ByteView in) {
  Key k = Key::decode_front(in);
  CHECK(in.empty());
  return k;
}

// A valid random string key: 1..40 bytes of printable ASCII and some UTF-8, '/'-separated
// segments that are never empty, "." or "..".
std::string random_string_key(std::mt19937_64& rng) {
  static const std::string alphabet = "abcXYZ019_-.~ %\xc3\xa9\xe2\x82\xac";
  std::string s;
  const std::size_t segments = 1 + rng() % 3;
  for (std::size_t i = 0; i < segments; ++i) {
    if (i) s += '/';
    std::string seg;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t j = 0; j < n; ++j) seg += alphabet[rng() % alphabet.size()];
    if (seg == "." || seg == "..") seg += "x";
    s += seg;
  }
  return s;
}

}  // namespace

TEST_CASE("Key: parse gives integers for canonical decimals only", "[core][key]") {
  CHECK(Key::parse("17") == Key(std::uint64_t{17}));
  CHECK(Key::parse("17").is_int());
  CHECK(Key::parse("0") == Key(std::uint64_t{0}));
  CHECK(Key::parse("9999999999999999999") == Key(std::uint64_t{9999999999999999999ull}));

  for (const char* text : {"017", "00", "-1", "+5", " 5", "5 ", "1e3", "0x10", "17a", "a17"}) {
    INFO(text);
    const Key k = Key::parse(text);
    CHECK_FALSE(k.is_int());
    CHECK(k.as_string() == text);
  }
  CHECK(Key::parse("017").as_string() == "017");
}

TEST_CASE("Key: parse(to_string()) round-trips every integer key", "[core][key]") {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{10},
                          std::uint64_t{9999999999999999999ull},
                          std::uint64_t{10000000000000000000ull}, max - 1, max}) {
    INFO(v);
    CHECK(Key::parse(Key(v).to_string()) == Key(v));
  }
  // Beyond 2^64-1 a decimal cannot be an integer key, so it stays a string key.
  const Key big = Key::parse("18446744073709551616");
  CHECK_FALSE(big.is_int());
  CHECK(big.as_string() == "18446744073709551616");
  CHECK_FALSE(Key::parse("99999999999999999999").is_int());
  CHECK_FALSE(Key::parse("123456789012345678901").is_int());
}

TEST_CASE("Key: valid string keys are accepted", "[core][key]") {
  const std::vector<std::string> keys = {"a",
                                         "boot/00017",
                                         "a/b/c",
                                         "...",
                                         "a/.../b",
                                         ".hidden",
                                         "a.",
                                         "x..y",
                                         "caf\xc3\xa9",
                                         "with space",
                                         "-",
                                         "~",
                                         std::string(255, 'k')};
  for (const std::string& s : keys) {
    INFO(s);
    CHECK_NOTHROW(validate_string_key(s));
    CHECK(Key(s).as_string() == s);
    CHECK(Key(s).to_string() == s);
  }
}

TEST_CASE("Key: invalid string keys name the rule they break", "[core][key]") {
  struct Case {
    std::string key;
    const char* rule;
  };
  const Case cases[] = {
      {"", "empty"},
      {"..", "'..'"},
      {".", "'.'"},
      {"a/../b", "'..'"},
      {"a/./b", "'.'"},
      {"../a", "'..'"},
      {"a/..", "'..'"},
      {"a//b", "empty path segment"},
      {"/a", "empty path segment"},
      {"a/", "empty path segment"},
      {"/", "empty path segment"},
      {"a\tb", "control characters"},
      {"a\nb", "control characters"},
      {std::string("a\0b", 3), "control characters"},
      {"a\x7f", "control characters"},
      {"\x1b[31m", "control characters"},
      {"a\\b", "'\\'"},
      {"..\\..\\etc", "'\\'"},
      {std::string(256, 'k'), "255 bytes"},
  };
  for (const Case& c : cases) {
    INFO("key of " << c.key.size() << " bytes: " << c.key);
    const Error e = error_of([&] { validate_string_key(c.key); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains(c.rule));
    CHECK(error_of([&] { Key k(c.key); }).code() == ErrorCode::InvalidArgument);
    CHECK(error_of([&] { Key::parse(c.key); }).code() == ErrorCode::InvalidArgument);
  }
  // Control characters are not echoed raw into messages (they could drive a terminal).
  const Error e = error_of([] { validate_string_key("\x1b[31mred"); });
  CHECK(std::string(e.what()).find('\x1b') == std::string::npos);
}

TEST_CASE("Key: 255 bytes is the limit, counted in bytes not characters", "[core][key]") {
  std::string utf8;
  while (utf8.size() + 2 <= 255) utf8 += "\xc3\xa9";  // 127 two-byte characters = 254 bytes
  CHECK_NOTHROW(Key(utf8 + "x"));
  CHECK(error_of([&] { Key(utf8 + "\xc3\xa9"); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Key: sort encoding puts integers first, in numeric order", "[core][key]") {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  CHECK(Key(std::uint64_t{5}).encoded() == Bytes{std::byte{0}, std::byte{0}, std::byte{0},
                                                 std::byte{0}, std::byte{0}, std::byte{0},
                                                 std::byte{0}, std::byte{0}, std::byte{5}});
  CHECK(Key(std::string("ab")).encoded() ==
        Bytes{std::byte{1}, std::byte{'a'}, std::byte{'b'}, std::byte{0}});
  CHECK(compare_bytes(Key(max).encoded(), Key(std::string("0")).encoded()) < 0);
  CHECK(compare_bytes(Key(std::uint64_t{9}).encoded(), Key(std::uint64_t{10}).encoded()) < 0);
  CHECK(compare_bytes(Key(std::uint64_t{255}).encoded(), Key(std::uint64_t{256}).encoded()) < 0);
  // A string and its extension: the terminator sorts before every allowed byte.
  CHECK(compare_bytes(Key(std::string("a")).encoded(), Key(std::string("a b")).encoded()) < 0);
  CHECK(compare_bytes(Key(std::string("a")).encoded(), Key(std::string("a/b")).encoded()) < 0);

  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t a = rng() >> (rng() % 64), b = rng() >> (rng() % 64);
    INFO(a << " vs " << b);
    CHECK(sign(compare_bytes(Key(a).encoded(), Key(b).encoded())) == (a < b ? -1 : a > b ? 1 : 0));
  }
}

TEST_CASE("Key: encoded order equals Key order over mixed random keys", "[core][key]") {
  std::mt19937_64 rng(7);
  std::vector<Key> keys;
  for (int i = 0; i < 500; ++i) {
    if (rng() % 2)
      keys.emplace_back(static_cast<std::uint64_t>(rng() % 1000));
    else
      keys.emplace_back(random_string_key(rng));
  }
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    const Key& a = keys[i];
    const Key& b = keys[i + 1];
    INFO(a.to_string() << " vs " << b.to_string());
    const int by_key = a < b ? -1 : (b < a ? 1 : 0);
    CHECK(sign(compare_bytes(a.encoded(), b.encoded())) == by_key);
  }
  std::vector<Key> by_encoding = keys;
  std::sort(by_encoding.begin(), by_encoding.end(),
            [](const Key& a, const Key& b) { return compare_bytes(a.encoded(), b.encoded()) < 0; });
  std::sort(keys.begin(), keys.end());
  CHECK(by_encoding == keys);
  // Integers come first.
  const auto first_string =
      std::find_if(keys.begin(), keys.end(), [](const Key& k) { return !k.is_int(); });
  CHECK(first_string != keys.begin());
  CHECK(std::all_of(first_string, keys.end(), [](const Key& k) { return !k.is_int(); }));
}

TEST_CASE("Key: decode_front round-trips and advances past one key", "[core][key]") {
  std::mt19937_64 rng(99);
  std::vector<Key> keys = {Key(std::uint64_t{0}), Key(std::numeric_limits<std::uint64_t>::max()),
                           Key(std::string("a")), Key(std::string(255, 'z')),
                           Key(std::string("boot/00017"))};
  for (int i = 0; i < 200; ++i) keys.emplace_back(random_string_key(rng));
  for (int i = 0; i < 200; ++i) keys.emplace_back(static_cast<std::uint64_t>(rng()));
  for (const Key& k : keys) {
    INFO(k.to_string());
    const Bytes enc = k.encoded();
    Bytes appended{std::byte{0xAA}};
    k.append_encoded(appended);
    CHECK(Bytes(appended.begin() + 1, appended.end()) == enc);
    CHECK(decode_all(enc) == k);
  }
}

TEST_CASE("Key: nested (key, subkey) encodings concatenate and split back", "[core][key]") {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 300; ++i) {
    const Key a = rng() % 2 ? Key(static_cast<std::uint64_t>(rng())) : Key(random_string_key(rng));
    const Key b = rng() % 2 ? Key(static_cast<std::uint64_t>(rng())) : Key(random_string_key(rng));
    Bytes both = a.encoded();
    b.append_encoded(both);
    ByteView in = both;
    CHECK(Key::decode_front(in) == a);
    CHECK(Key::decode_front(in) == b);
    CHECK(in.empty());
  }
  // Pairs sort by key first, then by subkey (the terminator keeps "a" < "ab" across subkeys).
  Bytes a_z = Key(std::string("a")).encoded();
  Key(std::string("zzz")).append_encoded(a_z);
  Bytes ab_0 = Key(std::string("ab")).encoded();
  Key(std::uint64_t{0}).append_encoded(ab_0);
  CHECK(compare_bytes(a_z, ab_0) < 0);
}

TEST_CASE("Key: every strict prefix of an encoding is Corrupt", "[core][key]") {
  const std::vector<Bytes> encodings = {
      Key(std::uint64_t{0}).encoded(), Key(std::uint64_t{0x0102030405060708ull}).encoded(),
      Key(std::string("a")).encoded(), Key(std::string("boot/00017")).encoded(),
      Key(std::string(255, 'q')).encoded()};
  for (const Bytes& enc : encodings) {
    for (std::size_t n = 0; n < enc.size(); ++n) {
      INFO("prefix " << n << " of " << enc.size());
      ByteView in = ByteView(enc).first(n);
      CHECK(error_of([&] { Key::decode_front(in); }).code() == ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("Key: decode_front rejects unknown tags and invalid strings as Corrupt", "[core][key]") {
  auto decode = [](Bytes b) {
    ByteView in = b;
    return error_of([&] { Key::decode_front(in); });
  };
  CHECK(decode({std::byte{2}, std::byte{'a'}, std::byte{0}}).code() == ErrorCode::Corrupt);
  CHECK(decode({std::byte{0xff}}).code() == ErrorCode::Corrupt);
  // "" and ".." are not keys, even when well framed.
  CHECK(decode({std::byte{1}, std::byte{0}}).code() == ErrorCode::Corrupt);
  const Error dots = decode({std::byte{1}, std::byte{'.'}, std::byte{'.'}, std::byte{0}});
  CHECK(dots.code() == ErrorCode::Corrupt);
  CHECK_THAT(dots.what(), Catch::Contains("'..'"));
  CHECK(decode({std::byte{1}, std::byte{'a'}, std::byte{'\\'}, std::byte{0}}).code() ==
        ErrorCode::Corrupt);
  Bytes long_key{std::byte{1}};
  long_key.insert(long_key.end(), 256, std::byte{'x'});
  long_key.push_back(std::byte{0});
  CHECK(decode(long_key).code() == ErrorCode::Corrupt);
}

TEST_CASE("Key: the examples in docs/format/objects.md", "[core][key]") {
  CHECK(Key(std::uint64_t{17}).encoded() == hex_bytes("00 00 00 00 00 00 00 00 11"));
  CHECK(Key(std::string("cat/7")).encoded() == hex_bytes("01 63 61 74 2f 37 00"));
  Bytes nested = Key(std::string("x")).encoded();
  Key(std::uint64_t{5}).append_encoded(nested);
  CHECK(nested == hex_bytes("01 78 00 00 00 00 00 00 00 00 00 05"));
}

}  // namespace hangar
