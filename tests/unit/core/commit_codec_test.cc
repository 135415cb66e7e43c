// The canonical commit encoding (docs/format/objects.md#commit): round trip, truncation,
// hostile counts and lengths, ordering rules.
#include <hangar/base/encoding.h>
#include <hangar/commit.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace hangar {
namespace {

Digest digest_for(std::string_view text) { return digest_of(as_bytes(text)); }

Commit sample_commit(std::size_t parents) {
  Commit c;
  for (std::size_t i = 0; i < parents; ++i)
    c.parents.push_back(digest_for("parent" + std::to_string(i)));
  c.columns = {
      {"images", digest_for("schema-a"), digest_for("root-a"), 1000, 12288000},
      {"labels", digest_for("schema-b"), Digest{}, 0, 0},
      {"z", digest_for("schema-c"), digest_for("root-c"), std::numeric_limits<std::uint64_t>::max(),
       std::numeric_limits<std::uint64_t>::max()},
  };
  c.author = "Ada Lovelace";
  c.email = "ada@example.org";
  c.time = 1717243200;
  c.message = "import cats\n\nwith a body and \xe2\x9c\x93 UTF-8";
  return c;
}

// The commit layout field by field (counts are separate so a test can lie about them).
struct CommitFields {
  std::uint8_t kind = 0x01;
  std::uint8_t version = 1;
  std::uint64_t nparents = 0;
  std::vector<Digest> parents;
  std::uint64_t ncolumns = 0;
  std::vector<CommitColumn> columns;
  std::string author = "a";
  std::string email = "a@b";
  std::int64_t time = 0;
  std::string message = "m";

  Bytes encode() const {
    Encoder e;
    e.u8(kind);
    e.u8(version);
    e.varint(nparents);
    for (const auto& p : parents) e.digest(p);
    e.varint(ncolumns);
    for (const auto& c : columns) {
      e.str(c.name);
      e.digest(c.schema);
      e.digest(c.records);
      e.varint(c.count);
      e.varint(c.nbytes);
    }
    e.str(author);
    e.str(email);
    e.i64(time);
    e.str(message);
    return e.take();
  }
};

CommitFields fields_of(const Commit& c) {
  CommitFields f;
  f.nparents = c.parents.size();
  f.parents = c.parents;
  f.ncolumns = c.columns.size();
  f.columns = c.columns;
  f.author = c.author;
  f.email = c.email;
  f.time = c.time;
  f.message = c.message;
  return f;
}

}  // namespace

TEST_CASE("Commit codec: the layout is the documented one", "[core][commit]") {
  for (std::size_t parents : {0u, 1u, 2u}) {
    const Commit c = sample_commit(parents);
    CHECK(encode_commit(c) == fields_of(c).encode());
  }
  // Kind byte, version byte, then the parent count.
  const Bytes b = encode_commit(sample_commit(2));
  CHECK(b[0] == std::byte{0x01});
  CHECK(b[1] == std::byte{0x01});
  CHECK(b[2] == std::byte{0x02});
}

TEST_CASE("Commit codec: decode(encode(c)) == c and encode(decode(b)) == b", "[core][commit]") {
  for (std::size_t parents : {0u, 1u, 2u}) {
    INFO(parents << " parents");
    const Commit c = sample_commit(parents);
    const Bytes b = encode_commit(c);
    const Commit back = decode_commit(b);
    CHECK(back == c);
    CHECK(encode_commit(back) == b);
  }
  Commit minimal;
  CHECK(decode_commit(encode_commit(minimal)) == minimal);
  Commit negative = sample_commit(1);
  negative.time = -1;  // before 1970 is representable
  CHECK(decode_commit(encode_commit(negative)).time == -1);
  negative.time = std::numeric_limits<std::int64_t>::min();
  CHECK(decode_commit(encode_commit(negative)).time == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("Commit codec: digests differ when any field differs", "[core][commit]") {
  const Commit base = sample_commit(1);
  const Digest id = digest_of(encode_commit(base));
  Commit c = base;
  c.time += 1;
  CHECK(digest_of(encode_commit(c)) != id);
  c = base;
  c.message += ".";
  CHECK(digest_of(encode_commit(c)) != id);
  c = base;
  c.columns[0].count -= 1;
  CHECK(digest_of(encode_commit(c)) != id);
  c = base;
  c.parents.clear();
  CHECK(digest_of(encode_commit(c)) != id);
  CHECK(digest_of(encode_commit(base)) == id);
}

TEST_CASE("Commit codec: every strict prefix is Corrupt", "[core][commit]") {
  for (std::size_t parents : {0u, 2u}) {
    const Bytes b = encode_commit(sample_commit(parents));
    for (std::size_t n = 0; n < b.size(); ++n) {
      INFO("prefix " << n << " of " << b.size());
      CHECK(error_of([&] { decode_commit(ByteView(b).first(n)); }).code() == ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("Commit codec: three parents are Corrupt", "[core][commit]") {
  CommitFields f = fields_of(sample_commit(2));
  f.nparents = 3;
  f.parents.push_back(digest_for("third"));
  const Error e = error_of([&] { decode_commit(f.encode()); });
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains("field 'parents'") && Catch::Contains("3 > 2"));
}

TEST_CASE("Commit codec: unsorted or duplicate columns are Corrupt", "[core][commit]") {
  CommitFields f = fields_of(sample_commit(1));
  std::swap(f.columns[0], f.columns[1]);
  const Error e = error_of([&] { decode_commit(f.encode()); });
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains("columns"));

  f = fields_of(sample_commit(1));
  f.columns[1].name = f.columns[0].name;
  CHECK(error_of([&] { decode_commit(f.encode()); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Commit codec: huge counts and lengths are Corrupt without allocating",
          "[core][commit]") {
  const std::uint64_t huge = 1ull << 60;
  auto expect_corrupt = [](const Bytes& b, const char* field) {
    const Error e = error_of([&] { decode_commit(b); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains(field));
  };
  SECTION("parent count") {
    CommitFields f;
    f.nparents = huge;
    expect_corrupt(f.encode(), "field 'parents'");
  }
  SECTION("column count") {
    CommitFields f;
    f.ncolumns = huge;
    expect_corrupt(f.encode(), "field 'columns'");
  }
  SECTION("column name length") {
    Encoder e;
    e.u8(0x01);
    e.u8(1);
    e.varint(0);
    e.varint(1);
    e.varint(huge);
    expect_corrupt(e.buffer(), "field 'columns.name'");
  }
  SECTION("author, email and message lengths") {
    for (const char* field : {"author", "email", "message"}) {
      Encoder e;
      e.u8(0x01);
      e.u8(1);
      e.varint(0);
      e.varint(0);
      if (std::string(field) != "author") e.str("a");
      if (std::string(field) == "message") {
        e.str("a@b");
        e.i64(0);
      }
      e.varint(huge);
      INFO(field);
      expect_corrupt(e.buffer(), field);
    }
  }
  SECTION("a message of exactly 2^20 bytes is fine, one more is not") {
    CommitFields f;
    f.message.assign(1u << 20, 'm');
    CHECK(decode_commit(f.encode()).message.size() == 1u << 20);
    f.message.push_back('m');
    expect_corrupt(f.encode(), "field 'message'");
  }
}

TEST_CASE("Commit codec: wrong kind, newer version and trailing bytes", "[core][commit]") {
  CommitFields f;
  f.kind = 0x02;
  const Error kind = error_of([&] { decode_commit(f.encode()); });
  CHECK(kind.code() == ErrorCode::Corrupt);
  CHECK_THAT(kind.what(), Catch::Contains("field 'kind'"));

  f = {};
  f.version = 2;
  CHECK(error_of([&] { decode_commit(f.encode()); }).code() == ErrorCode::Unsupported);

  f = {};
  Bytes b = f.encode();
  b.push_back(std::byte{0});
  const Error trailing = error_of([&] { decode_commit(b); });
  CHECK(trailing.code() == ErrorCode::Corrupt);
  CHECK_THAT(trailing.what(), Catch::Contains("trailing"));
}

TEST_CASE("Commit codec: messages name the commit by its digest", "[core][commit]") {
  CommitFields f;
  f.nparents = 7;
  const Bytes b = f.encode();
  const Error e = error_of([&] { decode_commit(b); });
  CHECK_THAT(e.what(), Catch::StartsWith("corrupt commit " + digest_of(b).short_hex()));
}

// Decoder::varint accepts only minimal LEB128, so a commit has exactly one byte string.
TEST_CASE("Commit codec: an overlong varint is not a second encoding", "[core][commit]") {
  const Bytes canonical = CommitFields{}.encode();
  Bytes overlong = canonical;
  // Byte 2 is the parent count (0); write it as 0x80 0x00 instead.
  overlong[2] = std::byte{0x80};
  overlong.insert(overlong.begin() + 3, std::byte{0x00});
  CHECK(error_of([&] { decode_commit(overlong); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Commit codec: the example in docs/format/objects.md", "[core][commit]") {
  Commit c;
  c.author = "a";
  c.email = "a@b";
  c.message = "m";
  const Bytes expect = hex_bytes("01 01 00 00 01 61 03 61 40 62 00 00 00 00 00 00 00 00 01 6d");
  CHECK(encode_commit(c) == expect);
  CHECK(decode_commit(expect) == c);
}

}  // namespace hangar
