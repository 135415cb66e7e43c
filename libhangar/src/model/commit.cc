// Commit canonical encoding.
#include <hangar/base/encoding.h>
#include <hangar/commit.h>
#include <hangar/error.h>
#include <hangar/schema.h>

#include "model/object_kind.h"

namespace hangar {
namespace {
constexpr std::size_t kMaxColumns = 1u << 16;
constexpr std::size_t kMaxMessage = 1u << 20;
constexpr std::size_t kMaxName = 1024;
}  // namespace

Bytes encode_commit(const Commit& c) {
  Encoder e;
  e.u8(static_cast<std::uint8_t>(ObjectType::Commit));
  e.u8(kObjectFormatVersion);
  e.varint(c.parents.size());
  for (const auto& p : c.parents) e.digest(p);
  e.varint(c.columns.size());
  for (const auto& col : c.columns) {
    e.str(col.name);
    e.digest(col.schema);
    e.digest(col.records);
    e.varint(col.count);
    e.varint(col.nbytes);
  }
  e.str(c.author);
  e.str(c.email);
  e.i64(c.time);
  e.str(c.message);
  return e.take();
}

Commit decode_commit(ByteView b) {
  Decoder d(b, "commit " + digest_of(b).short_hex());
  if (d.u8("kind") != static_cast<std::uint8_t>(ObjectType::Commit))
    d.corrupt("kind", "not a commit");
  if (d.u8("version") != kObjectFormatVersion)
    fail(ErrorCode::Unsupported, "commit written by a newer hangar; upgrade hangar");
  Commit c;
  auto np = d.varint_max("parents", 2);
  for (std::uint64_t i = 0; i < np; ++i) c.parents.push_back(d.digest("parents"));
  auto nc = d.varint_max("columns", kMaxColumns);
  for (std::uint64_t i = 0; i < nc; ++i) {
    CommitColumn col;
    col.name = d.str("columns.name", kMaxColumnNameBytes);
    if (!c.columns.empty() && !(c.columns.back().name < col.name))
      d.corrupt("columns.name", "columns not sorted or not unique");
    col.schema = d.digest("columns.schema");
    col.records = d.digest("columns.records");
    col.count = d.varint("columns.count");
    col.nbytes = d.varint("columns.nbytes");
    c.columns.push_back(std::move(col));
  }
  c.author = d.str("author", kMaxName);
  c.email = d.str("email", kMaxName);
  c.time = d.i64("time");
  c.message = d.str("message", kMaxMessage);
  d.expect_end();
  return c;
}

}  // namespace hangar
