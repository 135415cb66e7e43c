// RecordCursor: a forward scan that holds one decoder per level (root to leaf), so a scan
// reads each page once and decodes entries in place, with no allocation per record.
#include <hangar/error.h>

#include "tree/record_tree.h"
#include "tree/record_tree_detail.h"

namespace hangar {

RecordCursor::RecordCursor(PageStore& store, const Digest& root) : store_(&store), root_(root) {
  path_.reserve(kMaxPageLevel + 1);
}

void RecordCursor::seek_to_first() { descend({}, true); }

void RecordCursor::seek(ByteView key) { descend(key, false); }

void RecordCursor::next() {
  if (path_.back().next()) return;
  path_.pop_back();
  climb_to_next();
}

// Every decoder on path_ sits at the entry leading to the one below it. Descends to the
// first record >= key (or the very first record).
void RecordCursor::descend(ByteView key, bool to_first) {
  path_.clear();
  if (root_.is_zero()) return;
  path_.push_back(detail::open_page(*store_, root_, -1));
  for (;;) {
    PageDecoder& d = path_.back();
    if (d.is_leaf()) {
      while (d.next())
        if (to_first || compare_keys(d.key(), key) >= 0) return;
      // Every key here is below `key`; the answer is the next leaf's first record.
      path_.pop_back();
      climb_to_next();
      return;
    }
    // The last child whose first key <= key (the first child if none): a prefix-compressed
    // page is read forward only, so find its index on a copy, then step to it.
    std::size_t target = 0;
    if (!to_first) {
      PageDecoder probe = d;
      while (probe.next() && compare_keys(probe.key(), key) <= 0) target = probe.index();
    }
    for (std::size_t i = 0; i <= target; ++i) d.next();
    PageDecoder child = detail::open_page(*store_, d.digest(), d.level() - 1);
    {
      PageDecoder first = child;
      first.next();
      detail::check_first_key(first, d.key());
    }
    path_.push_back(std::move(child));
  }
}

// Opens the child of the current entry of path_.back() positioned at its first entry.
void RecordCursor::push_child(int level, const Digest& id, ByteView first_key) {
  PageDecoder child = detail::open_page(*store_, id, level);
  child.next();  // a page has at least one entry (checked by the decoder)
  detail::check_first_key(child, first_key);
  path_.push_back(std::move(child));
}

// REQUIRES: the leaf was just exhausted and popped. Moves the deepest page that has more
// entries to its next one, then descends along first children to a leaf.
void RecordCursor::climb_to_next() {
  while (!path_.empty() && !path_.back().next()) path_.pop_back();
  while (!path_.empty() && !path_.back().is_leaf()) {
    const PageDecoder& parent = path_.back();
    push_child(parent.level() - 1, parent.digest(), parent.key());
  }
}

void for_each_record(PageStore& store, const Digest& root, ByteView lo, ByteView hi,
                     const std::function<bool(ByteView key, const RecordValue& value)>& fn) {
  RecordCursor cursor(store, root);
  if (lo.empty()) {
    cursor.seek_to_first();
  } else {
    cursor.seek(lo);
  }
  for (; cursor.valid(); cursor.next()) {
    if (!hi.empty() && compare_keys(cursor.key(), hi) >= 0) return;
    if (!fn(cursor.key(), cursor.value())) return;
  }
}

}  // namespace hangar
