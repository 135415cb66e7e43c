// Commits: parents (0-2), per-column trees, author, UTC time, message.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hangar {

struct CommitColumn {
  std::string name;
  Digest schema;   // digest of the column's schema object
  Digest records;  // root of the record tree (all-zero digest when the column is empty)
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
  bool operator==(const CommitColumn&) const = default;
};

struct Commit {
  std::vector<Digest> parents;        // 0, 1 or 2
  std::vector<CommitColumn> columns;  // sorted by name, unique
  std::string author;
  std::string email;
  std::int64_t time = 0;  // seconds since the Unix epoch, UTC
  std::string message;
  bool operator==(const Commit&) const = default;
};

// Canonical encoding (docs/format/objects.md#commit); the commit's digest is digest_of() of it.
Bytes encode_commit(const Commit& c);
// Throws: Corrupt naming the field, e.g. "corrupt commit 3fa2…: field 'parents': 7 > 2".
Commit decode_commit(ByteView b);

}  // namespace hangar
