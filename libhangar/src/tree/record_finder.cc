#include "tree/record_finder.h"

#include "tree/record_tree_detail.h"

namespace hangar {

ByteView RecordFinder::Page::key(std::size_t i) const {
  const std::uint32_t begin = i == 0 ? 0 : ends[i - 1];
  return ByteView(keys).subspan(begin, ends[i] - begin);
}

const RecordFinder::Page& RecordFinder::page(const Digest& id, int expected_level) {
  if (auto it = pages_.find(id); it != pages_.end()) {
    // A parent at another level than it expects: open_page throws its Corrupt error.
    if (expected_level >= 0 && it->second.level != expected_level)
      (void)detail::open_page(store_, id, expected_level);
    return it->second;
  }
  PageDecoder d = detail::open_page(store_, id, expected_level);  // validates the header
  Page p;
  p.level = d.level();
  p.ends.reserve(d.size());
  if (d.is_leaf()) {
    p.values.reserve(d.size());
  } else {
    p.children.reserve(d.size());
  }
  while (d.next()) {  // validates every entry and that nothing trails
    const ByteView k = d.key();
    p.keys.insert(p.keys.end(), k.begin(), k.end());
    p.ends.push_back(static_cast<std::uint32_t>(p.keys.size()));
    if (d.is_leaf()) {
      p.values.push_back(d.value());
    } else {
      p.children.push_back(d.digest());
    }
  }
  if (pages_.size() >= kMaxPages) pages_.clear();
  return pages_.emplace(id, std::move(p)).first->second;
}

std::optional<RecordValue> RecordFinder::find(const Digest& root, ByteView key) {
  if (root.is_zero()) return std::nullopt;
  Digest id = root;
  int expect = -1;
  for (;;) {
    const Page& p = page(id, expect);
    // The number of entries whose key is <= `key` (keys strictly increase).
    std::size_t lo = 0, hi = p.ends.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (compare_keys(p.key(mid), key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) return std::nullopt;  // below the first key of the page
    const std::size_t at = lo - 1;
    if (p.level == 0) {
      if (compare_keys(p.key(at), key) != 0) return std::nullopt;
      return p.values[at];
    }
    id = p.children[at];  // the last child whose first key <= key
    expect = p.level - 1;
  }
}

}  // namespace hangar
