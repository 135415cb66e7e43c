// Record tree diff and page negotiation: results against brute force, and the number of
// pages read (only differing pages are walked).
#include <hangar/error.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "support/memory_page_store.h"
#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

using testing::MemoryPageStore;
// memcmp order, as the tree uses (and no GCC 12 -Wstringop-overread noise from vector<byte>'s <).
struct KeyLess {
  bool operator()(const Bytes& a, const Bytes& b) const { return compare_keys(a, b) < 0; }
};
using Map = std::map<Bytes, RecordValue, KeyLess>;
using Rng = std::mt19937_64;
using Change = std::tuple<Bytes, std::optional<RecordValue>, std::optional<RecordValue>>;

Bytes key_of(std::uint64_t v) {
  Bytes k{std::byte{0x01}};
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
  return k;
}

// Half inline samples (uint8 vectors), half descriptor references.
RecordValue value_of(Rng& rng) {
  const std::uint64_t seed = rng();
  const Digest d = digest_of(ByteView{reinterpret_cast<const std::byte*>(&seed), sizeof seed});
  if (seed % 2 == 0) return {SampleId::of_descriptor(d), rng() % 100000};
  const std::uint64_t n = 1 + rng() % 100000;
  return {*SampleId::make_inline(DType::UInt8, {n}, d), n};
}

TreeStats build(MemoryPageStore& store, const Map& m) {
  const std::vector<std::pair<Bytes, RecordValue>> entries(m.begin(), m.end());
  return build_tree(store, entries);
}

std::vector<Change> brute_diff(const Map& a, const Map& b) {
  std::vector<Change> out;
  std::set<Bytes, KeyLess> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const Bytes& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    std::optional<RecordValue> va, vb;
    if (ia != a.end()) va = ia->second;
    if (ib != b.end()) vb = ib->second;
    if (va != vb) out.emplace_back(k, va, vb);
  }
  return out;
}

std::vector<Change> tree_diff(MemoryPageStore& store, const Digest& a, const Digest& b) {
  std::vector<Change> out;
  diff_trees(store, a, b,
             [&](ByteView k, const std::optional<RecordValue>& va,
                 const std::optional<RecordValue>& vb) { out.emplace_back(to_bytes(k), va, vb); });
  return out;
}

// Changes `n` random keys of `m` (update, insert or delete; some deletes hit boundary keys).
Map edited(Rng& rng, Map m, std::size_t n, std::uint64_t key_space) {
  for (std::size_t i = 0; i < n; ++i) {
    const Bytes k = key_of(rng() % key_space);
    switch (rng() % 4) {
      case 0:
        m.erase(k);
        break;
      case 1: {
        auto it = m.lower_bound(k);
        while (it != m.end() && !is_boundary_key(it->first, 0)) ++it;
        if (it != m.end()) m.erase(it);
        break;
      }
      default:
        m[k] = value_of(rng);
        break;
    }
  }
  return m;
}

std::set<Digest> page_set(MemoryPageStore& store, const Digest& root) {
  const std::vector<Digest> v = tree_pages(store, root);
  return {v.begin(), v.end()};
}

TEST_CASE("RecordTree: diff matches brute force (property)", "[core][record_tree]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6);
  Rng rng(seed);
  MemoryPageStore store;
  for (int iter = 0; iter < 30; ++iter) {
    const std::uint64_t space = 1 + rng() % (iter == 0 ? 60000 : 8000);
    Map a;
    const std::size_t n = rng() % (space / 2 + 1);
    for (std::size_t i = 0; i < n; ++i) a[key_of(rng() % space)] = value_of(rng);
    const std::size_t changes = rng() % 3 == 0 ? rng() % 2000 : rng() % 20;
    const Map b = edited(rng, a, changes, space);
    const TreeStats ta = build(store, a), tb = build(store, b);
    INFO("seed " << seed << " iter " << iter << " |a| " << a.size() << " |b| " << b.size());
    REQUIRE(tree_diff(store, ta.root, tb.root) == brute_diff(a, b));
    // Reversed, the same changes with sides swapped.
    std::vector<Change> back = tree_diff(store, tb.root, ta.root);
    for (auto& [k, x, y] : back) std::swap(x, y);
    REQUIRE(back == brute_diff(a, b));
  }
}

TEST_CASE("RecordTree: diff against the empty tree lists everything", "[core][record_tree]") {
  Rng rng(8);
  Map a;
  for (int i = 0; i < 3000; ++i) a[key_of(rng() % 100000)] = value_of(rng);
  MemoryPageStore store;
  const TreeStats t = build(store, a);
  CHECK(tree_diff(store, t.root, Digest{}) == brute_diff(a, {}));
  CHECK(tree_diff(store, Digest{}, t.root) == brute_diff({}, a));
  store.reset_counts();
  CHECK(tree_diff(store, t.root, t.root).empty());
  CHECK(store.gets() == 0);
}

TEST_CASE("RecordTree: pages_not_in is the set difference of the trees' pages",
          "[core][record_tree]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4);
  Rng rng(seed);
  MemoryPageStore store;
  for (int iter = 0; iter < 25; ++iter) {
    const std::uint64_t space = 1 + rng() % 40000;
    Map a;
    const std::size_t n = rng() % (space / 2 + 1);
    for (std::size_t i = 0; i < n; ++i) a[key_of(rng() % space)] = value_of(rng);
    const Map b = edited(rng, a, rng() % 2 == 0 ? rng() % 30 : rng() % 3000, space);
    const TreeStats ta = build(store, a), tb = build(store, b);
    const std::set<Digest> pa = page_set(store, ta.root), pb = page_set(store, tb.root);
    std::set<Digest> want;
    std::set_difference(pb.begin(), pb.end(), pa.begin(), pa.end(),
                        std::inserter(want, want.end()));
    const std::vector<Digest> got = pages_not_in(store, tb.root, ta.root);
    INFO("seed " << seed << " iter " << iter);
    CHECK(std::set<Digest>(got.begin(), got.end()) == want);
    CHECK(got.size() == want.size());
  }
}

TEST_CASE("RecordTree: diff and page negotiation read only differing pages",
          "[core][record_tree]") {
  Rng rng(4242);
  Map a;
  for (std::uint64_t i = 0; i < 100000; ++i) a.emplace(key_of(i * 10), value_of(rng));
  MemoryPageStore store;
  const TreeStats ta = build(store, a);
  const auto depth = static_cast<std::size_t>(tree_height(store, ta.root));
  const std::size_t bound = 2 * 10 * (depth + 1) + 2;
  for (int trial = 0; trial < 10; ++trial) {
    // Exactly 10 changed keys: updates, inserts, deletes; trial 0 deletes and inserts
    // boundary keys so that leaves merge and split. Tree b is a's tree plus the changes.
    std::map<Bytes, std::optional<RecordValue>, KeyLess> touched;
    while (touched.size() < 10) {
      Bytes k = key_of(rng() % 100000 * 10 + (rng() % 3 == 0 ? 5 : 0));
      if (trial == 0) {
        while (!is_boundary_key(k, 0)) k = key_of(rng() % 1000000);
      }
      if (touched.count(k)) continue;
      const bool erase = a.count(k) && rng() % 2 == 0;
      touched[k] = erase ? std::nullopt : std::optional<RecordValue>(value_of(rng));
    }
    std::vector<Mutation> muts;
    std::vector<Change> want;
    for (const auto& [k, v] : touched) {
      muts.push_back(Mutation{k, v});
      auto it = a.find(k);
      want.emplace_back(k, it == a.end() ? std::nullopt : std::optional(it->second), v);
    }
    const TreeStats tb = apply_mutations(store, ta.root, muts);
    store.reset_counts();
    const std::vector<Change> changes = tree_diff(store, ta.root, tb.root);
    const std::size_t diff_reads = store.gets();
    CHECK(changes == want);
    CHECK(diff_reads <= bound);

    store.reset_counts();
    const std::vector<Digest> missing = pages_not_in(store, tb.root, ta.root);
    const std::size_t negotiate_reads = store.gets();
    CHECK(missing.size() <= 10 * (depth + 1) + 2);
    CHECK(negotiate_reads <= 2 * 10 * depth + 2);  // internal pages only
    if (trial == 0)
      WARN("diff of 100k-record trees differing in 10 keys: depth "
           << depth << ", " << diff_reads << " page reads (bound " << bound << "); "
           << missing.size() << " pages missing, " << negotiate_reads << " reads to find them");
  }
}

}  // namespace
}  // namespace hangar
