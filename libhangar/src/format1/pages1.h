// Format-1 record trees (docs/format/record-tree.md at d7c92b1): pages of kind 0x04 (leaf) and
// 0x05 (internal), page format 1, prefix-compressed keys, 16-byte digests. RecordCursor1 reads a
// tree's records in key order, checking every page as format 1's readers did (digest, kind,
// version, levels, the parent's first key). Part of the frozen format-1 reader.
#pragma once

#include <hangar/base/bytes.h>

#include <cstdint>
#include <vector>

#include "format1/digest1.h"
#include "format1/meta1.h"

namespace hangar::format1 {

struct PageEntry1 {
  Bytes key;       // the sort-encoded record key (leaf) or the child's first key (internal)
  Digest1 digest;  // leaf: the sample descriptor; internal: the child page
  std::uint64_t count = 1;
  std::uint64_t nbytes = 0;
};

struct Page1 {
  int level = 0;  // 0: leaf
  std::vector<PageEntry1> entries;
};

// Full, validating decode of a page's bytes. Throws: Corrupt naming the page and the field,
// Unsupported (a page format above 1).
Page1 decode_page1(const Digest1& id, ByteView bytes);

// Forward reader of one tree. Not thread-safe; must not outlive `meta`.
class RecordCursor1 {
 public:
  // Positioned at the first record (not valid() for the empty tree, the all-zero root).
  // Throws: NotFound, Corrupt, Unsupported.
  RecordCursor1(const Meta1& meta, const Digest1& root);

  bool valid() const noexcept { return !path_.empty(); }
  // REQUIRES: valid(). The view lives until the cursor moves.
  ByteView key() const noexcept { return entry().key; }
  const Digest1& sample() const noexcept { return entry().digest; }
  std::uint64_t nbytes() const noexcept { return entry().nbytes; }
  // REQUIRES: valid(). Throws: NotFound, Corrupt, Unsupported.
  void next();

 private:
  struct Level {
    Page1 page;
    std::size_t at = 0;
  };
  const PageEntry1& entry() const noexcept { return path_.back().page.entries[path_.back().at]; }
  // Pushes page `id` (named by the current entry, if any) and descends to its first leaf.
  void descend(Digest1 id);

  const Meta1* meta_;
  std::vector<Level> path_;  // root first
};

}  // namespace hangar::format1
