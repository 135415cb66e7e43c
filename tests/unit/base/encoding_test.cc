// Encoder / Decoder: round-trips, truncation, hostile lengths.
#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "support/test_util.h"

using hangar::code_of;
using hangar::Decoder;
using hangar::Encoder;
using hangar::ErrorCode;

namespace {
hangar::Bytes sample_encoding() {
  Encoder e;
  e.u8(0xAB);
  e.u16(0xBEEF);
  e.u32(0xDEADBEEF);
  e.u64(0x0123456789ABCDEFull);
  e.i64(-42);
  e.varint(0);
  e.varint(300);
  e.varint(std::numeric_limits<std::uint64_t>::max());
  e.digest(hangar::digest_of(hangar::as_bytes("abc")));
  e.str("hello");
  e.bytes({});
  return e.take();
}

bool decode_sample(hangar::ByteView b) {
  Decoder d(b, "sample");
  bool ok = true;
  ok = ok && (d.u8("a") == 0xAB);
  ok = ok && (d.u16("b") == 0xBEEF);
  ok = ok && (d.u32("c") == 0xDEADBEEFu);
  ok = ok && (d.u64("d") == 0x0123456789ABCDEFull);
  ok = ok && (d.i64("e") == -42);
  ok = ok && (d.varint("f") == 0);
  ok = ok && (d.varint("g") == 300);
  ok = ok && (d.varint("h") == std::numeric_limits<std::uint64_t>::max());
  ok = ok && (d.digest("i") == hangar::digest_of(hangar::as_bytes("abc")));
  ok = ok && (d.str("j", 16) == "hello");
  ok = ok && (d.bytes("k", 16).empty());
  d.expect_end();
  return ok;
}

}  // namespace

TEST_CASE("Encoding: round-trip of every primitive", "[base][encoding]") {
  const hangar::Bytes b = sample_encoding();
  CHECK(decode_sample(b));
  Encoder e;
  e.u32(1);
  CHECK(e.size() == 4);
  CHECK(std::to_integer<int>(e.buffer()[0]) == 1);  // little-endian
}

TEST_CASE("Encoding: every strict prefix throws Corrupt", "[base][encoding]") {
  const hangar::Bytes b = sample_encoding();
  for (std::size_t n = 0; n < b.size(); ++n) {
    INFO("prefix length " << n);
    CHECK(code_of([&] { decode_sample(hangar::ByteView(b).first(n)); }) == ErrorCode::Corrupt);
  }
}

TEST_CASE("Encoding: a 2^60 length throws Corrupt without allocating", "[base][encoding]") {
  Encoder e;
  e.varint(std::uint64_t{1} << 60);
  e.raw(hangar::as_bytes("abc"));
  const hangar::Bytes b = e.take();
  // Even with no per-field cap, the remaining-input check must reject it.
  CHECK(code_of([&] {
          Decoder d(b, "huge");
          d.bytes("payload", std::numeric_limits<std::size_t>::max());
        }) == ErrorCode::Corrupt);
  CHECK(code_of([&] {
          Decoder d(b, "huge");
          d.str("name", 255);
        }) == ErrorCode::Corrupt);
  try {
    Decoder d(b, "commit 3fa2");
    d.varint_max("parents", 2);
    FAIL("expected Corrupt");
  } catch (const hangar::Error& e2) {
    CHECK(std::string(e2.what()).find("corrupt commit 3fa2: field 'parents'") == 0);
  }
}

TEST_CASE("Encoding: overlong varints and trailing bytes throw Corrupt", "[base][encoding]") {
  hangar::Bytes eleven(11, std::byte{0xFF});
  CHECK(code_of([&] { Decoder(eleven, "v").varint("n"); }) == ErrorCode::Corrupt);
  hangar::Bytes overflow(9, std::byte{0xFF});
  overflow.push_back(std::byte{0x02});  // bit 64 set
  CHECK(code_of([&] { Decoder(overflow, "v").varint("n"); }) == ErrorCode::Corrupt);
  hangar::Bytes two{std::byte{1}, std::byte{2}};
  CHECK(code_of([&] {
          Decoder d(two, "v");
          d.u8("a");
          d.expect_end();
        }) == ErrorCode::Corrupt);
}
