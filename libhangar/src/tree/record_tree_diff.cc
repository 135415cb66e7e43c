// Diff of two record trees and page negotiation, walking only the pages that differ.
//
// Each tree is read as a stream of "heads" in key order: a head is either a whole subtree
// (a child entry of an internal page: its page digest, level and first key) or a single
// record. The two streams are merged: when both heads are subtrees with the same digest,
// the next records of both trees are identical, so both are skipped unread -- wherever they
// are, aligned or not. Otherwise the side whose head starts at the smaller key moves (a
// record is reported, a subtree is expanded into its entries); on equal first keys the
// taller subtree is expanded, or both when they are at one level. Since page cuts depend
// on keys only, unchanged regions of two trees consist of the same pages and meet as equal
// heads right after the changed region ends; around a split or merge the walk descends
// until the heads line up again.
#include <hangar/error.h>

#include <optional>
#include <unordered_set>

#include "tree/record_tree.h"
#include "tree/record_tree_detail.h"

namespace hangar {
namespace {

// One tree read as a stream of heads. The root page stays whole (as one head) until first
// expanded; after that each decoder on the stack sits at its current, unconsumed entry.
class Side {
 public:
  Side(PageStore& store, const Digest& root) : store_(store), root_id_(root) {
    stack_.reserve(kMaxPageLevel + 1);
    if (root.is_zero()) return;
    root_.emplace(detail::open_page(store, root, -1));
    PageDecoder first = *root_;
    first.next();
    root_key_ = to_bytes(first.key());
  }

  bool done() const noexcept { return !root_ && stack_.empty(); }
  bool is_record() const noexcept { return !root_ && stack_.back().is_leaf(); }
  // The level of the head's page; -1 for a record.
  int level() const noexcept { return root_ ? root_->level() : stack_.back().level() - 1; }
  ByteView key() const noexcept { return root_ ? ByteView{root_key_} : stack_.back().key(); }
  // The head's page id, or a record's sample digest.
  const Digest& digest() const noexcept { return root_ ? root_id_ : stack_.back().digest(); }
  RecordValue value() const noexcept { return stack_.back().value(); }

  // Moves past the head (unread when it is a subtree).
  void skip() {
    if (root_) {
      root_.reset();
    } else if (!stack_.back().next()) {
      stack_.pop_back();
    }
  }

  // Replaces a subtree head by its page's entries (reads the page). REQUIRES: !is_record().
  void expand() {
    if (root_) {
      PageDecoder d = std::move(*root_);
      root_.reset();
      d.next();
      stack_.push_back(std::move(d));
      return;
    }
    PageDecoder& top = stack_.back();
    PageDecoder child = detail::open_page(store_, top.digest(), top.level() - 1);
    child.next();
    detail::check_first_key(child, top.key());
    if (!top.next()) stack_.pop_back();
    stack_.push_back(std::move(child));
  }

 private:
  PageStore& store_;
  Digest root_id_;
  std::optional<PageDecoder> root_;
  Bytes root_key_;
  std::vector<PageDecoder> stack_;
};

bool same_subtree(const Side& a, const Side& b) {
  return !a.is_record() && !b.is_record() && a.digest() == b.digest();
}

}  // namespace

void diff_trees(PageStore& store, const Digest& a, const Digest& b, const DiffFn& fn) {
  if (a == b) return;
  Side sa(store, a), sb(store, b);
  // Reports a record found on one side only, or expands that side's subtree.
  auto one_sided = [&](Side& s, bool is_a) {
    if (!s.is_record()) {
      s.expand();
      return;
    }
    const RecordValue v = s.value();
    if (is_a) {
      fn(s.key(), v, std::nullopt);
    } else {
      fn(s.key(), std::nullopt, v);
    }
    s.skip();
  };
  while (!sa.done() || !sb.done()) {
    if (sb.done()) {
      one_sided(sa, true);
      continue;
    }
    if (sa.done()) {
      one_sided(sb, false);
      continue;
    }
    if (same_subtree(sa, sb)) {
      sa.skip();
      sb.skip();
      continue;
    }
    const int c = compare_keys(sa.key(), sb.key());
    if (c < 0) {
      one_sided(sa, true);
    } else if (c > 0) {
      one_sided(sb, false);
    } else if (sa.is_record() && sb.is_record()) {
      const RecordValue va = sa.value(), vb = sb.value();
      if (va != vb) fn(sa.key(), va, vb);
      sa.skip();
      sb.skip();
    } else if (sa.level() != sb.level()) {
      (sa.level() > sb.level() ? sa : sb).expand();
    } else {
      sa.expand();
      sb.expand();
    }
  }
}

// The same walk with leaves kept whole: a leaf head is taken (noted) without being read.
// A page of `tip` is missing from `base` exactly when it is noted on the tip side and not on
// the base side: every page of either tree is noted or lies inside a skipped equal
// subtree, and a digest occurs at most once in a tree (pages of a level cover disjoint key
// ranges), so a tip page that base also has is either skipped with its pair or noted on
// both sides by the time the tip side is done.
std::vector<Digest> pages_not_in(PageStore& store, const Digest& tip, const Digest& base) {
  if (tip.is_zero() || tip == base) return {};
  Side st(store, tip), sb(store, base);
  std::vector<Digest> tip_pages;
  std::unordered_set<Digest> base_pages;
  auto take = [](Side& s, auto&& note) {
    note(s.digest());
    if (s.level() == 0) {
      s.skip();
    } else {
      s.expand();
    }
  };
  auto take_tip = [&] { take(st, [&](const Digest& d) { tip_pages.push_back(d); }); };
  auto take_base = [&] { take(sb, [&](const Digest& d) { base_pages.insert(d); }); };
  while (!st.done()) {
    if (sb.done()) {
      take_tip();
      continue;
    }
    if (st.digest() == sb.digest()) {
      st.skip();
      sb.skip();
      continue;
    }
    const int c = compare_keys(st.key(), sb.key());
    if (c < 0 || (c == 0 && st.level() > sb.level())) {
      take_tip();
    } else if (c > 0 || sb.level() > st.level()) {
      take_base();
    } else {
      take_tip();
      take_base();
    }
  }
  std::erase_if(tip_pages, [&](const Digest& d) { return base_pages.contains(d); });
  return tip_pages;
}

}  // namespace hangar
