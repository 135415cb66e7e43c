// Record-tree page codec and chunker (docs/format/record-tree.md, "Page encoding").
#include "tree/record_page.h"

#include <hangar/base/checksum.h>
#include <hangar/error.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace hangar {
namespace {

// Smallest possible encoded entry: shared, suffix length, empty suffix, then a record value
// (leaf) or a digest, count and nbytes (internal). Caps the entry count by the input size.
constexpr std::size_t kMinLeafEntryBytes = 1 + 1 + kMinRecordValueBytes;
constexpr std::size_t kMinInternalEntryBytes = 1 + 1 + Digest::kSize + 1 + 1;

std::size_t common_prefix(ByteView a, ByteView b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out;
  if (__builtin_add_overflow(a, b, &out))
    fail(ErrorCode::InvalidArgument, "record tree totals overflow 64 bits");
  return out;
}

// The key of an entry, prefix-compressed against `prev` (empty for a page's first entry).
void append_key(Encoder& out, ByteView prev, ByteView key) {
  const std::size_t shared = common_prefix(prev, key);
  out.varint(shared);
  out.bytes(key.subspan(shared));
}

// A leaf entry: key, record value.
void append_record(Encoder& out, ByteView prev, ByteView key, const RecordValue& v) {
  append_key(out, prev, key);
  encode_record_value(out, v);
}

// An internal entry: key, child page, totals.
void append_child(Encoder& out, ByteView prev, ByteView key, const Digest& page,
                  std::uint64_t count, std::uint64_t nbytes) {
  append_key(out, prev, key);
  out.digest(page);
  out.varint(count);
  out.varint(nbytes);
}

void check_value(const RecordValue& v) {
  if (v.sample.is_inline() && v.nbytes != v.sample.nbytes())
    fail(ErrorCode::InvalidArgument, "an inline record of " + std::to_string(v.sample.nbytes()) +
                                         " bytes says " + std::to_string(v.nbytes));
}

void check_entry(int level, ByteView prev, bool has_prev, ByteView key, std::uint64_t count) {
  if (key.size() > kMaxKeyBytes)
    fail(ErrorCode::InvalidArgument, "record key of " + std::to_string(key.size()) +
                                         " bytes is longer than " + std::to_string(kMaxKeyBytes));
  if (has_prev && compare_keys(prev, key) >= 0)
    fail(ErrorCode::InvalidArgument, "record page keys must be strictly increasing");
  if (level == 0 ? count != 1 : count == 0)
    fail(ErrorCode::InvalidArgument, "record page entry has count " + std::to_string(count));
}

Bytes frame_page(int level, std::size_t n, const Bytes& body) {
  Encoder out;
  out.u8(level == 0 ? kLeafPageKind : kInternalPageKind);
  out.u8(kPageFormatVersion);
  out.u8(static_cast<std::uint8_t>(level));
  out.varint(n);
  out.raw(body);
  return out.take();
}

void check_level(int level) {
  if (level < 0 || level > kMaxPageLevel)
    fail(ErrorCode::InvalidArgument,
         "record page level " + std::to_string(level) + " > " + std::to_string(kMaxPageLevel));
}

}  // namespace

int compare_keys(ByteView a, ByteView b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 0) {
    if (int c = std::memcmp(a.data(), b.data(), n); c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool is_boundary_key(ByteView key, int level) noexcept {
  if (level < 0 || level >= kBoundaryLevels) return false;
  const Checksum128 h = xxh3_128(key);
  const std::uint64_t hi = h.high;
  const std::uint64_t lo = h.low;
  const int bit = 7 * level;
  std::uint64_t w;
  if (bit + 7 <= 64) {
    w = lo >> bit;
  } else if (bit >= 64) {
    w = hi >> (bit - 64);
  } else {
    w = (lo >> bit) | (hi << (64 - bit));
  }
  return (w & 0x7F) == 0;
}

Bytes encode_page(int level, std::span<const PageEntry> entries) {
  check_level(level);
  if (entries.empty()) fail(ErrorCode::InvalidArgument, "a record page needs an entry");
  Encoder body;
  ByteView prev;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PageEntry& e = entries[i];
    check_entry(level, prev, i > 0, e.key, e.count);
    if (level == 0) {
      check_value(e.value());
      append_record(body, prev, e.key, e.value());
    } else {
      append_child(body, prev, e.key, e.digest, e.count, e.nbytes);
    }
    prev = e.key;
  }
  return frame_page(level, entries.size(), body.buffer());
}

RecordPage decode_page(const Digest& id, ByteView bytes) {
  PageDecoder d(id, bytes);
  RecordPage page;
  page.level = d.level();
  page.entries.reserve(d.size());  // bounded: size() <= bytes.size() / kMinLeafEntryBytes
  while (d.next()) page.entries.push_back(d.entry());
  return page;
}

PageDecoder::PageDecoder(const Digest& id, ByteView bytes)
    : id_(id), dec_(bytes, "page " + id.short_hex()) {
  const std::uint8_t kind = dec_.u8("kind");
  if (kind != kLeafPageKind && kind != kInternalPageKind)
    dec_.corrupt("kind", "byte " + std::to_string(kind) + " is not a record page");
  const std::uint8_t version = dec_.u8("version");
  if (version > kPageFormatVersion)
    fail(ErrorCode::Unsupported, "page " + id.short_hex() + " has format version " +
                                     std::to_string(version) + "; upgrade hangar to read it");
  if (version < kPageFormatVersion && version > 0)
    fail(ErrorCode::Unsupported,
         "page " + id.short_hex() + " has format version " + std::to_string(version) +
             " (repository format 1)",
         Hint{.action = HintAction::Upgrade});
  if (version == 0) dec_.corrupt("version", "0 is not a format version");
  level_ = dec_.u8("level");
  if (kind == kLeafPageKind && level_ != 0)
    dec_.corrupt("level", "leaf page at level " + std::to_string(level_));
  if (kind == kInternalPageKind && (level_ < 1 || level_ > kMaxPageLevel))
    dec_.corrupt("level", "internal page at level " + std::to_string(level_));
  const std::size_t min_entry = level_ == 0 ? kMinLeafEntryBytes : kMinInternalEntryBytes;
  count_ = static_cast<std::size_t>(dec_.varint_max("count", dec_.remaining() / min_entry));
  if (count_ == 0) dec_.corrupt("count", "a page has at least one entry");
}

bool PageDecoder::next() {
  if (index_ == count_) {
    dec_.expect_end();
    return false;
  }
  const auto shared = static_cast<std::size_t>(dec_.varint_max("entry.shared", key_len_));
  ByteView suffix = dec_.bytes("entry.suffix", kMaxKeyBytes - shared);
  if (index_ > 0) {
    // Keys strictly increase and `shared` is the longest common prefix (so the encoding of
    // a page is unique): the suffix must start with a byte above the previous key's.
    const bool ok =
        shared == key_len_ ? !suffix.empty() : !suffix.empty() && suffix[0] > key_[shared];
    if (!ok)
      dec_.corrupt("entries", "key " + std::to_string(index_) + " does not follow key " +
                                  std::to_string(index_ - 1) + " in order");
  }
  if (!suffix.empty()) std::memcpy(key_.data() + shared, suffix.data(), suffix.size());
  key_len_ = shared + suffix.size();
  if (level_ > 0) {
    digest_ = dec_.digest("entry.digest");
    entry_count_ = dec_.varint("entry.count");
    if (entry_count_ == 0) dec_.corrupt("entry.count", "a child page holds at least one record");
    nbytes_ = dec_.varint("entry.nbytes");
  } else {
    const RecordValue v = decode_record_value(dec_);
    sample_ = v.sample;
    nbytes_ = v.nbytes;
    entry_count_ = 1;
  }
  // The page's totals (its entry in the level above) must fit too, for every reader that adds
  // them up: descents by rank, range statistics, fsck.
  if (__builtin_add_overflow(total_count_, entry_count_, &total_count_) ||
      __builtin_add_overflow(total_nbytes_, nbytes_, &total_nbytes_))
    dec_.corrupt("entries", "totals overflow 64 bits");
  ++index_;
  return true;
}

LevelChunker::LevelChunker(int level, Sink sink) : level_(level), sink_(std::move(sink)) {
  check_level(level);
}

void LevelChunker::add_record(ByteView key, const RecordValue& value) {
  if (level_ != 0) fail(ErrorCode::InvalidArgument, "a record added to an internal page");
  check_value(value);
  append_record(body_, start_entry(key, 1), key, value);
  end_entry(key, 1, value.nbytes);
}

void LevelChunker::add_child(ByteView key, const Digest& page, std::uint64_t count,
                             std::uint64_t nbytes) {
  if (level_ == 0) fail(ErrorCode::InvalidArgument, "a child page added to a leaf page");
  append_child(body_, start_entry(key, count), key, page, count, nbytes);
  end_entry(key, count, nbytes);
}

void LevelChunker::add(const PageEntry& e) {
  if (level_ == 0) {
    add_record(e.key, e.value());
  } else {
    add_child(e.key, e.digest, e.count, e.nbytes);
  }
}

ByteView LevelChunker::start_entry(ByteView key, std::uint64_t count) {
  // Checked against the previous key of the whole level, not just of this page.
  check_entry(level_, prev_key_, has_prev_, key, count);
  if (n_ == 0) {
    first_key_.assign(key.begin(), key.end());
    return {};
  }
  return prev_key_;
}

void LevelChunker::end_entry(ByteView key, std::uint64_t count, std::uint64_t nbytes) {
  prev_key_.assign(key.begin(), key.end());
  has_prev_ = true;
  ++n_;
  count_ = checked_add(count_, count);
  nbytes_ = checked_add(nbytes_, nbytes);
  if (is_boundary_key(key, level_)) finish();
}

void LevelChunker::finish() {
  if (n_ == 0) return;
  Bytes page = frame_page(level_, n_, body_.buffer());
  PageEntry summary{std::move(first_key_), digest_of(page), count_, nbytes_, {}};
  body_ = Encoder{};
  first_key_.clear();
  n_ = 0;
  count_ = 0;
  nbytes_ = 0;
  sink_(std::move(page), std::move(summary));
}

PageEntry build_upper_levels(int level, std::vector<PageEntry> pages,
                             const LevelChunker::Sink& sink) {
  while (pages.size() > 1) {
    ++level;
    std::vector<PageEntry> parents;
    LevelChunker chunker(level, [&](Bytes page, PageEntry summary) {
      parents.push_back(summary);
      sink(std::move(page), std::move(summary));
    });
    for (const PageEntry& p : pages) chunker.add(p);
    chunker.finish();
    pages = std::move(parents);
  }
  return std::move(pages.front());
}

}  // namespace hangar
