// Record-tree page codec: round trip, golden bytes, truncation, bounded counts, and
// field-named errors for every rule the decoder enforces (docs/format/record-tree.md).
#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tree/record_page.h"

namespace hangar {
namespace {

template <class F>
std::optional<ErrorCode> thrown(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

template <class F>
std::string thrown_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct KeyLess {
  bool operator()(const Bytes& a, const Bytes& b) const { return compare_keys(a, b) < 0; }
};

// `n` entries with random keys (1-40 bytes) and values (leaves: half inline samples, half
// descriptor references); child counts on internal levels.
RecordPage sample_page(int level, std::size_t n) {
  std::mt19937_64 rng(7);
  std::map<Bytes, int, KeyLess> keys;
  while (keys.size() < n) {
    Bytes k(1 + rng() % 40);
    for (auto& b : k) b = static_cast<std::byte>(rng() % 4 == 0 ? rng() : 'a' + rng() % 3);
    keys.emplace(std::move(k), 0);
  }
  RecordPage p;
  p.level = level;
  for (const auto& [k, unused] : keys) {
    const std::uint64_t seed = rng();
    const Digest d = digest_of(ByteView{reinterpret_cast<const std::byte*>(&seed), 8});
    if (level > 0) {
      p.entries.push_back({k, d, 1 + rng() % 1000, rng() % 100000, {}});
    } else if (seed % 2 == 0) {
      p.entries.push_back(PageEntry::record(k, {SampleId::of_descriptor(d), rng() % 100000}));
    } else {
      const Shape shape{1 + rng() % 64, 1 + rng() % 64, 3};
      const SampleId id = *SampleId::make_inline(DType::Float32, shape, d);
      p.entries.push_back(PageEntry::record(k, {id, id.nbytes()}));
    }
  }
  return p;
}

TEST_CASE("RecordTree: page encode/decode round-trips", "[core][record_tree]") {
  for (int level : {0, 1, 3}) {
    const RecordPage page = sample_page(level, 200);
    const Bytes bytes = encode_page(page);
    CHECK(std::to_integer<int>(bytes[0]) == (level == 0 ? 0x04 : 0x05));
    CHECK(std::to_integer<int>(bytes[1]) == kPageFormatVersion);
    const RecordPage back = decode_page(digest_of(bytes), bytes);
    CHECK(back == page);
    CHECK(encode_page(back) == bytes);
  }
}

TEST_CASE("RecordTree: page bytes match the documented example", "[core][record_tree]") {
  // docs/format/record-tree.md: "a" -> descriptor D1 of 5 bytes, "ab" -> inline uint8 [300]
  // whose chunk is D2: 04 02 00 02 | 00 01 61 02 D1 05 | 01 01 62 01 D2 06 01 ac 02
  Digest d1, d2;
  d1.bytes.fill(std::byte{0x11});
  d2.bytes.fill(std::byte{0x22});
  const SampleId inline_id = *SampleId::make_inline(DType::UInt8, {300}, d2);
  const std::vector<PageEntry> entries{
      PageEntry::record(to_bytes("a"), {SampleId::of_descriptor(d1), 5}),
      PageEntry::record(to_bytes("ab"), {inline_id, 300})};
  Bytes want;
  for (int b : {0x04, 0x02, 0x00, 0x02, 0x00, 0x01, 0x61, 0x02}) want.push_back(std::byte(b));
  want.insert(want.end(), d1.bytes.begin(), d1.bytes.end());
  for (int b : {0x05, 0x01, 0x01, 0x62, 0x01}) want.push_back(std::byte(b));
  want.insert(want.end(), d2.bytes.begin(), d2.bytes.end());
  for (int b : {0x06, 0x01, 0xac, 0x02}) want.push_back(std::byte(b));
  CHECK(encode_page(0, entries) == want);
  const RecordPage back = decode_page(digest_of(want), want);
  REQUIRE(back.entries.size() == 2);
  CHECK(back.entries[1].value() == RecordValue{inline_id, 300});
}

TEST_CASE("RecordTree: every strict prefix of a page is corrupt", "[core][record_tree]") {
  for (int level : {0, 2}) {
    const Bytes bytes = encode_page(sample_page(level, 12));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const ByteView prefix(bytes.data(), n);
      INFO("level " << level << " prefix " << n << " of " << bytes.size());
      CHECK(thrown([&] { decode_page(digest_of(prefix), prefix); }) == ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("RecordTree: a huge count field is corrupt without allocating", "[core][record_tree]") {
  Encoder e;
  e.u8(kLeafPageKind);
  e.u8(kPageFormatVersion);
  e.u8(0);
  e.varint(std::uint64_t{1} << 60);
  e.raw(Bytes(64, std::byte{0}));
  const Bytes b = e.take();
  const std::string msg = thrown_message([&] { decode_page(digest_of(b), b); });
  CHECK(msg.find("corrupt page " + digest_of(b).short_hex()) == 0);
  CHECK(msg.find("field 'count'") != std::string::npos);
  CHECK(thrown([&] { PageDecoder d(digest_of(b), b); }) == ErrorCode::Corrupt);
}

// Builds a page by hand so that invalid contents can be encoded.
Bytes raw_page(std::uint8_t kind, std::uint8_t version, std::uint8_t level,
               const std::vector<std::pair<std::size_t, std::string>>& keys,
               std::uint64_t child_count = 1) {
  Encoder e;
  e.u8(kind);
  e.u8(version);
  e.u8(level);
  e.varint(keys.size());
  for (const auto& [shared, suffix] : keys) {
    e.varint(shared);
    e.str(suffix);
    if (kind != kInternalPageKind) e.u8(kDescriptorSampleTag);  // a record value
    e.digest(Digest{});
    if (kind == kInternalPageKind) e.varint(child_count);
    e.varint(5);
  }
  return e.take();
}

TEST_CASE("RecordTree: page decoder rejects bad fields by name", "[core][record_tree]") {
  auto code = [](const Bytes& b) { return thrown([&] { decode_page(digest_of(b), b); }); };
  auto message = [](const Bytes& b) {
    return thrown_message([&] { decode_page(digest_of(b), b); });
  };
  const std::uint8_t leaf = kLeafPageKind, internal = kInternalPageKind, v = kPageFormatVersion;
  CHECK(code(raw_page(leaf, v, 0, {{0, "a"}, {1, "b"}})) == std::nullopt);  // "a", "ab"
  CHECK(code(raw_page(0x01, v, 0, {{0, "a"}})) == ErrorCode::Corrupt);      // a commit's kind
  CHECK(message(raw_page(0x01, v, 0, {{0, "a"}})).find("field 'kind'") != std::string::npos);
  CHECK(code(raw_page(leaf, v + 1, 0, {{0, "a"}})) == ErrorCode::Unsupported);
  // Version 1 (repository format 1: leaf values without a tag) needs an upgrade.
  CHECK(code(raw_page(leaf, 1, 0, {{0, "a"}})) == ErrorCode::Unsupported);
  CHECK(message(raw_page(leaf, 1, 0, {{0, "a"}})).find("(repository format 1)") !=
        std::string::npos);
  CHECK(code(raw_page(leaf, 0, 0, {{0, "a"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(leaf, v, 1, {{0, "a"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(internal, v, 0, {{0, "a"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(internal, v, kMaxPageLevel + 1, {{0, "a"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(internal, v, 1, {{0, "a"}}, 0)) == ErrorCode::Corrupt);  // empty child
  CHECK(code(raw_page(leaf, v, 0, {})) == ErrorCode::Corrupt);                 // no entries
  // Order: "b" then "a"; a duplicate; a key that is a prefix of the one before it; a shared
  // prefix longer than the previous key; a non-maximal shared prefix ("ab" after "ab"+"c").
  const std::string order = message(raw_page(leaf, v, 0, {{0, "b"}, {0, "a"}}));
  CHECK(order.find("field 'entries'") != std::string::npos);
  CHECK(code(raw_page(leaf, v, 0, {{0, "a"}, {1, ""}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(leaf, v, 0, {{0, "ab"}, {1, ""}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(leaf, v, 0, {{0, "a"}, {2, "b"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(leaf, v, 0, {{0, "abc"}, {0, "abd"}})) == ErrorCode::Corrupt);
  CHECK(code(raw_page(leaf, v, 0, {{0, std::string(601, 'k')}})) == ErrorCode::Corrupt);
  Bytes trailing = raw_page(leaf, v, 0, {{0, "a"}});
  trailing.push_back(std::byte{0});
  CHECK(code(trailing) == ErrorCode::Corrupt);
  // The encoder refuses what the decoder would reject.
  std::vector<PageEntry> unsorted{{to_bytes("b"), {}, 1, 0, {}}, {to_bytes("a"), {}, 1, 0, {}}};
  CHECK(thrown([&] { encode_page(0, unsorted); }) == ErrorCode::InvalidArgument);
}

// Found by fuzz/record_page_fuzz.cc: decode_page refused such a page, PageDecoder (fsck, gc,
// lookups) took it and its readers' sums wrapped around.
TEST_CASE("RecordTree: both page decoders refuse totals over 64 bits", "[core][record_tree]") {
  const std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
  const Bytes b = raw_page(kInternalPageKind, kPageFormatVersion, 1, {{0, "a"}, {0, "b"}}, most);
  CHECK(thrown_message([&] { decode_page(digest_of(b), b); }).find("totals overflow") !=
        std::string::npos);
  PageDecoder d(digest_of(b), b);
  CHECK(d.next());
  CHECK(thrown_message([&] { d.next(); }).find("totals overflow") != std::string::npos);
  const Bytes fits = raw_page(kInternalPageKind, kPageFormatVersion, 1, {{0, "a"}}, most);
  CHECK(decode_page(digest_of(fits), fits).entries.at(0).count == most);
}

}  // namespace
}  // namespace hangar
