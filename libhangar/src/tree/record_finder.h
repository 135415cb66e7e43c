// RecordFinder: point lookups in the record trees of one snapshot that keep the pages they
// decode. find_record() decodes every page on its path (a linear scan of prefix-compressed
// entries, ~100 per page); a reader that looks many keys up (a checkout serving a training
// loop) pays that once per page and then searches decoded pages in O(log entries).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar {

class RecordFinder {
 public:
  // Pages kept at most; when full, all are dropped and decoding starts again. A decoded leaf
  // takes ~2-3x its encoding (~4 KiB; records are fixed-size in memory): ~1.5 MiB at most.
  static constexpr std::size_t kMaxPages = 128;

  // `store` must outlive the finder; its pages must not change (one snapshot).
  explicit RecordFinder(PageStore& store) : store_(store) {}

  // The value under `key` in the tree at `root`: what find_record(store, root, key) returns.
  // Throws: NotFound, Corrupt (a page is checked whole when first decoded, so a damaged page
  // may be reported where find_record's early stop would not look). Not thread-safe.
  std::optional<RecordValue> find(const Digest& root, ByteView key);

 private:
  struct Page {
    int level = 0;
    Bytes keys;                       // every entry's key, concatenated
    std::vector<std::uint32_t> ends;  // end of entry i's key in `keys`
    std::vector<RecordValue> values;  // leaf: the records
    std::vector<Digest> children;     // internal: the child pages
    ByteView key(std::size_t i) const;
  };
  const Page& page(const Digest& id, int expected_level);

  PageStore& store_;
  std::unordered_map<Digest, Page> pages_;
};

}  // namespace hangar
