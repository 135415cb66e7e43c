// Format-1 record pages and the forward reader (pages1.h).
#include "format1/pages1.h"

#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include <algorithm>

namespace hangar::format1 {
namespace {

constexpr std::size_t kMaxKeyBytes = 600;
constexpr int kMaxLevel = 18;

}  // namespace

Page1 decode_page1(const Digest1& id, ByteView bytes) {
  Decoder in(bytes, "page " + id.short_hex());
  const std::uint8_t kind = in.u8("kind");
  if (kind != 0x04 && kind != 0x05) in.corrupt("kind", "not a record page");
  const std::uint8_t version = in.u8("version");
  if (version == 0) in.corrupt("version", "0");
  if (version > 1)
    fail(ErrorCode::Unsupported, "record page " + id.hex() + " has page format " +
                                     std::to_string(version) + ", which format 1 does not define");
  Page1 p;
  p.level = in.u8("level");
  const bool leaf = kind == 0x04;
  if (leaf ? p.level != 0 : (p.level < 1 || p.level > kMaxLevel))
    in.corrupt("level", std::to_string(p.level));
  const std::uint64_t count = in.varint_max("count", in.remaining() / (leaf ? 19 : 20));
  if (count == 0) in.corrupt("count", "0");
  p.entries.resize(count);
  const Bytes* prev = nullptr;
  std::uint64_t total_count = 0, total_bytes = 0;
  for (PageEntry1& e : p.entries) {
    const std::uint64_t shared = in.varint_max("shared", prev ? prev->size() : 0);
    const ByteView suffix = in.bytes("suffix", kMaxKeyBytes - shared);
    if (prev) e.key.assign(prev->begin(), prev->begin() + static_cast<std::ptrdiff_t>(shared));
    e.key.insert(e.key.end(), suffix.begin(), suffix.end());
    if (prev) {
      const auto lcp = static_cast<std::size_t>(
          std::mismatch(prev->begin(), prev->end(), e.key.begin(), e.key.end()).first -
          prev->begin());
      if (lcp != shared) in.corrupt("shared", "not the longest common prefix");
      if (!std::lexicographical_compare(prev->begin(), prev->end(), e.key.begin(), e.key.end()))
        in.corrupt("suffix", "keys out of order");
    }
    e.digest = Digest1::from_bytes(in.raw("digest", Digest1::kSize), "digest");
    if (!leaf) {
      e.count = in.varint("count");
      if (e.count == 0) in.corrupt("count", "0 records under a child");
    }
    e.nbytes = in.varint("nbytes");
    if (__builtin_add_overflow(total_count, e.count, &total_count) ||
        __builtin_add_overflow(total_bytes, e.nbytes, &total_bytes))
      in.corrupt("nbytes", "totals overflow 64 bits");
    prev = &e.key;
  }
  in.expect_end();
  return p;
}

RecordCursor1::RecordCursor1(const Meta1& meta, const Digest1& root) : meta_(&meta) {
  if (!root.is_zero()) descend(root);
}

void RecordCursor1::descend(Digest1 id) {
  for (;;) {
    Page1 page = decode_page1(id, meta_->object(Kind1::LeafPage, id));
    if (!path_.empty()) {  // checks against the parent entry, which names this page
      if (page.level != path_.back().page.level - 1)
        fail(ErrorCode::Corrupt, "corrupt page " + id.hex() + ": level " +
                                     std::to_string(page.level) + " under a page of level " +
                                     std::to_string(path_.back().page.level));
      if (page.entries.front().key != entry().key)
        fail(ErrorCode::Corrupt,
             "corrupt page " + id.hex() + ": its first key is not its parent entry's key");
    }
    path_.push_back({std::move(page), 0});
    if (path_.back().page.level == 0) return;
    id = entry().digest;
  }
}

void RecordCursor1::next() {
  while (!path_.empty() && ++path_.back().at == path_.back().page.entries.size()) path_.pop_back();
  if (!path_.empty() && path_.back().page.level > 0) descend(entry().digest);
}

}  // namespace hangar::format1
