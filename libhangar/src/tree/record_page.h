// Record-tree pages: the canonical page encoding (docs/format/record-tree.md), the boundary
// rule that cuts a level into pages, and the level chunker shared by build and apply.
// Below record_tree.h; knows nothing of stores.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>
#include <hangar/base/encoding.h>
#include <hangar/object_type.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tree/record_value.h"

namespace hangar {

// Permanent format constants (docs/format/record-tree.md).
// The kind bytes of pages are their object types' (object_type.h).
inline constexpr auto kLeafPageKind = static_cast<std::uint8_t>(ObjectType::LeafPage);
inline constexpr auto kInternalPageKind = static_cast<std::uint8_t>(ObjectType::InternalPage);
// 2: leaf values are tagged record values (inline samples); version 1 pages are refused.
inline constexpr std::uint8_t kPageFormatVersion = 2;
inline constexpr std::size_t kMaxKeyBytes = 600;
// Level L < kBoundaryLevels cuts pages where 7 bits of the key hash are zero; a level at or
// above it never cuts, so it is a single page and no tree is taller than this.
inline constexpr int kBoundaryLevels = 18;
inline constexpr int kMaxPageLevel = kBoundaryLevels;

// Lexicographic (memcmp) order: <0, 0, >0.
int compare_keys(ByteView a, ByteView b) noexcept;

// The boundary rule: a page at `level` ends after an entry whose key hits this, i.e. when
// bits [7*level, 7*level + 7) of xxh3_128(key) (checksum.h: a boundary needs no cryptographic
// hash), read as a 128-bit number, are all zero (probability 1/128). A pure function of (key,
// level): never of values or history.
bool is_boundary_key(ByteView key, int level) noexcept;

// One entry at any level. Leaf: sample = the record's sample, count = 1, nbytes = the sample's
// nbytes, digest unused (all-zero). Internal: key = first key under the child, digest = child
// page, count/nbytes = totals, sample unused.
struct PageEntry {
  Bytes key;
  Digest digest;
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
  SampleId sample;
  bool operator==(const PageEntry&) const = default;

  static PageEntry record(Bytes key, const RecordValue& v) {
    return {std::move(key), Digest{}, 1, v.nbytes, v.sample};
  }
  RecordValue value() const { return {sample, nbytes}; }
};

// A decoded page that owns its entries (for apply, tests and tools; readers use PageDecoder).
struct RecordPage {
  int level = 0;  // 0 = leaf
  std::vector<PageEntry> entries;
  bool operator==(const RecordPage&) const = default;
};

// Canonical bytes of a page. REQUIRES: 1+ entries, keys strictly increasing and at most
// kMaxKeyBytes, leaf entries have count 1 (and an inline sample's nbytes), internal ones
// count >= 1, 0 <= level <= kMaxPageLevel.
// Throws: InvalidArgument when a requirement is broken.
Bytes encode_page(int level, std::span<const PageEntry> entries);
inline Bytes encode_page(const RecordPage& page) { return encode_page(page.level, page.entries); }

// Full, validating decode. `id` names the page in messages.
// Throws: Corrupt "corrupt page 3fa2…: field '…': …", Unsupported for a newer format version.
RecordPage decode_page(const Digest& id, ByteView bytes);

// Reads a page's entries in order with no per-entry allocation. Not thread-safe.
// The bytes must outlive the decoder; key() is valid until the next call to next().
class PageDecoder {
 public:
  // Parses the header (kind, version, level, count; the count is capped by the input size).
  // Throws: Corrupt, Unsupported.
  PageDecoder(const Digest& id, ByteView bytes);

  int level() const noexcept { return level_; }
  bool is_leaf() const noexcept { return level_ == 0; }
  std::size_t size() const noexcept { return count_; }
  const Digest& id() const noexcept { return id_; }

  // Decodes the next entry; false after the last one (having checked that nothing trails).
  // Throws: Corrupt (bad field, keys out of order, totals over 64 bits, trailing bytes).
  bool next();
  // The current entry; REQUIRES: the last next() returned true.
  std::size_t index() const noexcept { return index_ - 1; }
  ByteView key() const noexcept { return {key_.data(), key_len_}; }
  // Internal entries: the child page. (Leaf entries: the sample's digest; see value().)
  const Digest& digest() const noexcept { return is_leaf() ? sample_.digest() : digest_; }
  std::uint64_t count() const noexcept { return entry_count_; }
  std::uint64_t nbytes() const noexcept { return nbytes_; }
  // Leaf entries: the record.
  RecordValue value() const noexcept { return {sample_, nbytes_}; }
  PageEntry entry() const {
    if (is_leaf()) return PageEntry::record(to_bytes(key()), value());
    return {to_bytes(key()), digest_, entry_count_, nbytes_, {}};
  }
  // Throws Corrupt naming this page and `field`.
  [[noreturn]] void corrupt(std::string_view field, std::string_view problem) const {
    dec_.corrupt(field, problem);
  }

 private:
  Digest id_;
  Decoder dec_;
  int level_ = 0;
  std::size_t count_ = 0;
  std::size_t index_ = 0;
  std::size_t key_len_ = 0;
  std::array<std::byte, kMaxKeyBytes> key_;
  Digest digest_;    // internal entries
  SampleId sample_;  // leaf entries
  std::uint64_t entry_count_ = 0;
  std::uint64_t nbytes_ = 0;
  std::uint64_t total_count_ = 0;  // of the entries so far
  std::uint64_t total_nbytes_ = 0;
};

// Cuts one level's entries into pages by the boundary rule and hands each finished page to
// a sink, with its summary entry for the level above (first key, digest, totals).
class LevelChunker {
 public:
  using Sink = std::function<void(Bytes page, PageEntry summary)>;
  LevelChunker(int level, Sink sink);

  // Adds the next entry; ends the page after it when its key is a boundary at this level.
  // REQUIRES: keys strictly increasing across the level (checked). Throws: InvalidArgument.
  // A leaf level takes records, an internal level children (page digest and totals).
  void add_record(ByteView key, const RecordValue& value);
  void add_child(ByteView key, const Digest& page, std::uint64_t count, std::uint64_t nbytes);
  void add(const PageEntry& e);
  // True when no entries are waiting (the last one added was a boundary).
  bool at_boundary() const noexcept { return n_ == 0; }
  // Ends the partial page, if any: the end of the level.
  void finish();
  int level() const noexcept { return level_; }

 private:
  // Checks the key and returns the key to prefix-compress against (empty for a page's first).
  ByteView start_entry(ByteView key, std::uint64_t count);
  // Updates the totals after the entry was appended; ends the page at a boundary key.
  void end_entry(ByteView key, std::uint64_t count, std::uint64_t nbytes);

  int level_;
  Sink sink_;
  Encoder body_;
  Bytes prev_key_;
  bool has_prev_ = false;
  Bytes first_key_;
  std::size_t n_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t nbytes_ = 0;
};

// Builds the levels above `level` from that level's complete, ordered list of page summaries
// until one page remains, and returns the root's summary. Pages go to `sink`.
// REQUIRES: !pages.empty().
PageEntry build_upper_levels(int level, std::vector<PageEntry> pages,
                             const LevelChunker::Sink& sink);

}  // namespace hangar
