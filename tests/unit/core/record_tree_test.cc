// Record tree: build/find/iterate against std::map, history independence, apply_mutations ==
// build_tree, range_stats, corruption handling and page-count cost bounds. The page codec
// is tested in record_tree_page_test.cc, diff in record_tree_diff_test.cc.
#include "tree/record_tree.h"

#include <hangar/error.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/memory_page_store.h"
#include "tree/record_finder.h"
#include "tree/record_page.h"

namespace hangar {
namespace {

using testing::MemoryPageStore;
// memcmp order, as the tree uses (and no GCC 12 -Wstringop-overread noise from vector<byte>'s <).
struct KeyLess {
  bool operator()(const Bytes& a, const Bytes& b) const { return compare_keys(a, b) < 0; }
};
using Map = std::map<Bytes, RecordValue, KeyLess>;
using EditMap = std::map<Bytes, std::optional<RecordValue>, KeyLess>;
using Rng = std::mt19937_64;

// Sort-encoded-like keys: tag 0x01 + big-endian integer, or tag 0x02 + short text.
Bytes int_key(std::uint64_t v) {
  Bytes k{std::byte{0x01}};
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
  return k;
}

Bytes random_key(Rng& rng) {
  if (rng() % 3 != 0) return int_key(rng() % 1'000'000);
  Bytes k{std::byte{0x02}};
  const std::size_t n = 1 + rng() % (rng() % 50 == 0 ? 599 : 24);
  for (std::size_t i = 0; i < n; ++i) k.push_back(static_cast<std::byte>('a' + rng() % 26));
  return k;
}

// Half inline samples (uint8 vectors of up to 4 MiB), half descriptor references.
RecordValue random_value(Rng& rng) {
  const std::uint64_t seed = rng();
  const Digest d = digest_of(ByteView{reinterpret_cast<const std::byte*>(&seed), sizeof seed});
  if (seed % 2 == 0) return {SampleId::of_descriptor(d), rng() % 5'000'000};
  const std::uint64_t n = 1 + rng() % (4u << 20);
  return {*SampleId::make_inline(DType::UInt8, {n}, d), n};
}

Map random_map(Rng& rng, std::size_t n) {
  Map m;
  while (m.size() < n) m.emplace(random_key(rng), random_value(rng));
  return m;
}

std::vector<std::pair<Bytes, RecordValue>> entries_of(const Map& m) { return {m.begin(), m.end()}; }

TreeStats build(MemoryPageStore& store, const Map& m) { return build_tree(store, entries_of(m)); }

// Applies `muts` to the model map.
void apply_to_map(Map& m, const std::vector<Mutation>& muts) {
  for (const Mutation& mu : muts) {
    if (mu.value) {
      m[mu.key] = *mu.value;
    } else {
      m.erase(mu.key);
    }
  }
}

std::vector<Mutation> sorted(EditMap edits) {
  std::vector<Mutation> out;
  for (auto& [k, v] : edits) out.push_back(Mutation{k, v});
  return out;
}

// A random edit script over `m`: updates, inserts, deletes (often of boundary keys), and
// deletes of absent keys.
std::vector<Mutation> random_edits(Rng& rng, const Map& m, std::size_t n) {
  std::vector<const Bytes*> keys, boundaries;
  for (const auto& [k, v] : m) {
    keys.push_back(&k);
    if (is_boundary_key(k, 0) || is_boundary_key(k, 1)) boundaries.push_back(&k);
  }
  EditMap edits;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned kind = rng() % 6;
    if (kind == 0 && !boundaries.empty()) {
      edits[*boundaries[rng() % boundaries.size()]] = std::nullopt;
    } else if (kind == 1 && !keys.empty()) {
      edits[*keys[rng() % keys.size()]] = std::nullopt;
    } else if (kind == 2 && !keys.empty()) {
      edits[*keys[rng() % keys.size()]] = random_value(rng);
    } else if (kind == 3) {
      edits[random_key(rng)] = std::nullopt;  // almost always absent
    } else {
      edits[random_key(rng)] = random_value(rng);
    }
  }
  return sorted(std::move(edits));
}

template <class F>
std::optional<ErrorCode> thrown(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

Map scan(MemoryPageStore& store, const Digest& root) {
  Map out;
  RecordCursor c(store, root);
  for (c.seek_to_first(); c.valid(); c.next()) out.emplace(to_bytes(c.key()), c.value());
  return out;
}

TEST_CASE("RecordTree: empty tree", "[core][record_tree]") {
  MemoryPageStore store;
  const TreeStats t = build_tree(store, {});
  CHECK(t.root.is_zero());
  CHECK(t.count == 0);
  CHECK(store.size() == 0);
  CHECK_FALSE(find_record(store, t.root, to_bytes("a")));
  RecordCursor c(store, t.root);
  c.seek_to_first();
  CHECK_FALSE(c.valid());
  CHECK(range_stats(store, t.root) == RangeStats{});
  CHECK(tree_pages(store, t.root).empty());
  CHECK(tree_height(store, t.root) == -1);
  const std::vector<Mutation> del{{to_bytes("a"), std::nullopt}};
  CHECK(apply_mutations(store, t.root, del) == TreeStats{});
  CHECK(store.gets() == 0);
}

TEST_CASE("RecordTree: build, find and iterate match std::map", "[core][record_tree]") {
  const std::size_t n = GENERATE(1, 2, 127, 128, 1000, 20000, 100000);
  Rng rng(n);
  const Map m = random_map(rng, n);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  std::uint64_t nbytes = 0;
  for (const auto& [k, v] : m) nbytes += v.nbytes;
  CHECK(t.count == n);
  CHECK(t.nbytes == nbytes);
  CHECK(tree_stats(store, t.root) == t);
  CHECK(store.puts() == store.size());  // every page written once
  CHECK(tree_pages(store, t.root).size() == store.size());
  CHECK(scan(store, t.root) == m);
  // Point lookups: present keys and absent ones.
  std::vector<const Map::value_type*> items;
  for (const auto& kv : m) items.push_back(&kv);
  for (int i = 0; i < 300; ++i) {
    const Map::value_type* kv = items[rng() % n];
    CHECK(find_record(store, t.root, kv->first) == kv->second);
    const Bytes probe = random_key(rng);
    auto found = m.find(probe);
    CHECK(find_record(store, t.root, probe) ==
          (found == m.end() ? std::nullopt : std::optional<RecordValue>(found->second)));
  }
  // seek lands on the first key >= probe.
  RecordCursor c(store, t.root);
  for (int i = 0; i < 100; ++i) {
    const Bytes probe = random_key(rng);
    c.seek(probe);
    auto it = m.lower_bound(probe);
    REQUIRE(c.valid() == (it != m.end()));
    if (it != m.end()) CHECK(to_bytes(c.key()) == it->first);
  }
}

TEST_CASE("RecordFinder: finds what find_record finds, with decoded pages kept and evicted",
          "[core][record_tree]") {
  // 300 keys: a single leaf or a few pages; 100,000: more pages than the finder keeps.
  const std::size_t n = GENERATE(1, 300, 100000);
  Rng rng(n + 7);
  const Map m = random_map(rng, n);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  std::vector<const Map::value_type*> items;
  for (const auto& kv : m) items.push_back(&kv);
  RecordFinder finder(store);
  CHECK_FALSE(finder.find(Digest{}, items[0]->first));  // the empty tree
  const std::size_t gets_before = store.gets();
  for (int i = 0; i < 3000; ++i) {
    const Map::value_type* kv = items[rng() % n];
    REQUIRE(finder.find(t.root, kv->first) == kv->second);
    const Bytes probe = random_key(rng);
    REQUIRE(finder.find(t.root, probe) == find_record(store, t.root, probe));
  }
  // Every key in order, and a key below the first one.
  for (const auto& [k, v] : m) REQUIRE(finder.find(t.root, k) == v);
  CHECK_FALSE(finder.find(t.root, Bytes{std::byte{0x00}}));
  if (n == 300) {  // all pages stay decoded: repeated lookups read no page
    const std::size_t gets = store.gets();
    for (int i = 0; i < 100; ++i) (void)finder.find(t.root, items[rng() % n]->first);
    CHECK(store.gets() == gets);
  }
  CHECK(store.gets() > gets_before);
}

TEST_CASE("RecordFinder: a damaged page is Corrupt, also once decoded pages are kept",
          "[core][record_tree]") {
  Rng rng(11);
  const Map m = random_map(rng, 5000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  RecordFinder finder(store);
  REQUIRE(finder.find(t.root, m.begin()->first) == m.begin()->second);
  // Damage a leaf that is not decoded yet (the first lookup decoded the first one only).
  const std::vector<Digest> pages = tree_pages(store, t.root);
  REQUIRE(pages.size() > 2);
  const Digest victim = pages.back();
  Bytes bytes = to_bytes(store.get_page(victim));
  bytes.resize(bytes.size() - 1);  // truncated: the last entry cannot be decoded
  store.overwrite(victim, bytes);
  std::optional<ErrorCode> code;
  for (const auto& [k, v] : m) {
    code = thrown([&] { (void)finder.find(t.root, k); });
    if (code) break;
  }
  CHECK(code == ErrorCode::Corrupt);
}

TEST_CASE("RecordTree: for_each_record visits keys from lo up to (not including) hi in order",
          "[core][record_tree]") {
  Rng rng(11);
  const Map m = random_map(rng, 5000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  for (int i = 0; i < 50; ++i) {
    Bytes lo = i % 5 == 0 ? Bytes{} : random_key(rng), hi = i % 7 == 0 ? Bytes{} : random_key(rng);
    std::vector<Bytes> want, got;
    for (const auto& [k, v] : m)
      if ((lo.empty() || compare_keys(k, lo) >= 0) && (hi.empty() || compare_keys(k, hi) < 0))
        want.push_back(k);
    for_each_record(store, t.root, lo, hi, [&](ByteView k, const RecordValue&) {
      got.push_back(to_bytes(k));
      return true;
    });
    CHECK(got == want);
  }
}

TEST_CASE("RecordTree: the root depends only on the map (history independence)",
          "[core][record_tree]") {
  Rng rng(20240601);
  const Map m = random_map(rng, 30000);
  MemoryPageStore store;
  const TreeStats want = build(store, m);
  for (int round = 0; round < 4; ++round) {
    // Insert in random batches (plus keys that are deleted again later), in random order.
    std::vector<std::pair<Bytes, RecordValue>> items(m.begin(), m.end());
    std::shuffle(items.begin(), items.end(), rng);
    const Map noise = random_map(rng, 500);
    Digest root;
    std::size_t pos = 0;
    while (pos < items.size()) {
      const std::size_t batch = 1 + rng() % (round == 0 ? 60 : 4000);
      EditMap edits;
      for (std::size_t i = 0; i < batch && pos < items.size(); ++i, ++pos)
        edits[items[pos].first] = items[pos].second;
      root = apply_mutations(store, root, sorted(std::move(edits))).root;
      if (round > 0 && rng() % 8 == 0) {
        EditMap extra;
        for (const auto& [k, v] : noise)
          if (!m.count(k)) extra[k] = random_value(rng);
        root = apply_mutations(store, root, sorted(extra)).root;
        for (auto& [k, v] : extra) v = std::nullopt;
        root = apply_mutations(store, root, sorted(extra)).root;
      }
    }
    INFO("round " << round);
    CHECK(root == want.root);
  }
}

TEST_CASE("RecordTree: apply_mutations equals build_tree of the result (property)",
          "[core][record_tree]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  Rng rng(seed);
  MemoryPageStore store;
  for (int iter = 0; iter < 40; ++iter) {
    Map m = random_map(rng, rng() % 3 == 0 ? rng() % 200 : rng() % 4000);
    if (iter == 0) m = random_map(rng, 20000);  // a 3-level tree
    TreeStats t = build(store, m);
    for (int step = 0; step < 5; ++step) {
      const std::size_t n = rng() % 4 == 0 ? rng() % 600 : 1 + rng() % 12;
      std::vector<Mutation> muts = random_edits(rng, m, n);
      if (rng() % 25 == 0) {  // delete everything
        muts.clear();
        for (const auto& [k, v] : m) muts.push_back(Mutation{k, std::nullopt});
      }
      t = apply_mutations(store, t.root, muts);
      apply_to_map(m, muts);
      MemoryPageStore fresh;
      const TreeStats want = build(fresh, m);
      INFO("seed " << seed << " iter " << iter << " step " << step << " size " << m.size());
      REQUIRE(t == want);
    }
    REQUIRE(scan(store, t.root) == m);
  }
}

TEST_CASE("RecordTree: shrinking to a few records collapses the root", "[core][record_tree]") {
  Rng rng(17);
  const Map m = random_map(rng, 40000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  REQUIRE(tree_height(store, t.root) >= 2);
  for (std::size_t keep : {0, 1, 2, 5, 130, 300, 2000}) {
    std::vector<Mutation> muts;
    Map rest;
    std::size_t i = 0;
    for (const auto& [k, v] : m) {
      // Keep a spread-out sample of `keep` records.
      if (keep > 0 && i++ % (m.size() / keep) == 0 && rest.size() < keep) {
        rest.emplace(k, v);
      } else {
        muts.push_back(Mutation{k, std::nullopt});
      }
    }
    MemoryPageStore fresh;
    INFO("keep " << keep);
    CHECK(apply_mutations(store, t.root, muts) == build(fresh, rest));
  }
}

TEST_CASE("RecordTree: no-op mutations keep the root and write nothing", "[core][record_tree]") {
  Rng rng(23);
  const Map m = random_map(rng, 10000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  EditMap edits;
  for (int i = 0; i < 50; ++i) edits[int_key(2'000'000 + i)] = std::nullopt;  // absent
  for (const auto& [k, v] : m)
    if (rng() % 100 == 0) edits[k] = v;  // same value again
  store.reset_counts();
  CHECK(apply_mutations(store, t.root, sorted(edits)) == t);
  CHECK(store.puts() == 0);
}

TEST_CASE("RecordTree: the empty key and 600-byte keys are ordinary keys", "[core][record_tree]") {
  Rng rng(29);
  Map m = random_map(rng, 2000);
  m.emplace(Bytes{}, random_value(rng));
  m.emplace(Bytes(600, std::byte{0xFF}), random_value(rng));
  m.emplace(Bytes(600, std::byte{0x00}), random_value(rng));
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  CHECK(scan(store, t.root) == m);
  CHECK(find_record(store, t.root, Bytes{}) == m.at(Bytes{}));
  CHECK(find_record(store, t.root, Bytes(600, std::byte{0xFF})) ==
        m.at(Bytes(600, std::byte{0xFF})));
  CHECK(range_stats(store, t.root, {}, Bytes(600, std::byte{0xFF})).count == m.size() - 1);
  const std::vector<Mutation> del{{Bytes{}, std::nullopt},
                                  {Bytes(600, std::byte{0}), std::nullopt}};
  Map rest = m;
  apply_to_map(rest, del);
  MemoryPageStore fresh;
  CHECK(apply_mutations(store, t.root, del) == build(fresh, rest));
}

TEST_CASE("RecordTree: apply_mutations rejects unsorted or oversized keys", "[core][record_tree]") {
  MemoryPageStore store;
  Rng rng(3);
  const TreeStats t = build(store, random_map(rng, 100));
  const RecordValue v = random_value(rng);
  const std::vector<Mutation> unsorted{{int_key(2), v}, {int_key(1), v}};
  const std::vector<Mutation> dup{{int_key(1), v}, {int_key(1), std::nullopt}};
  const std::vector<Mutation> big{{Bytes(601, std::byte{7}), v}};
  CHECK(thrown([&] { apply_mutations(store, t.root, unsorted); }) == ErrorCode::InvalidArgument);
  CHECK(thrown([&] { apply_mutations(store, t.root, dup); }) == ErrorCode::InvalidArgument);
  CHECK(thrown([&] { apply_mutations(store, t.root, big); }) == ErrorCode::InvalidArgument);
  CHECK(thrown([&] { apply_mutations(store, Digest{}, unsorted); }) == ErrorCode::InvalidArgument);
  const std::vector<std::pair<Bytes, RecordValue>> bad{{int_key(2), v}, {int_key(1), v}};
  CHECK(thrown([&] { build_tree(store, bad); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("RecordTree: range_stats matches brute force", "[core][record_tree]") {
  Rng rng(99);
  const Map m = random_map(rng, 40000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  const int height = tree_height(store, t.root);
  REQUIRE(height >= 2);
  std::vector<const Bytes*> keys;
  for (const auto& [k, v] : m) keys.push_back(&k);
  for (int i = 0; i < 300; ++i) {
    auto pick = [&]() -> Bytes {
      switch (rng() % 4) {
        case 0:
          return {};
        case 1:
          return random_key(rng);
        default:
          return *keys[rng() % keys.size()];
      }
    };
    const Bytes lo = pick(), hi = pick();
    RangeStats want;
    for (auto it = lo.empty() ? m.begin() : m.lower_bound(lo);
         it != m.end() && (hi.empty() || compare_keys(it->first, hi) < 0); ++it) {
      want.count += 1;
      want.nbytes += it->second.nbytes;
    }
    store.reset_counts();
    CHECK(range_stats(store, t.root, lo, hi) == want);
    CHECK(store.gets() <= 2 * static_cast<std::size_t>(height + 1));
  }
}

TEST_CASE("RecordTree: missing or misplaced pages are reported", "[core][record_tree]") {
  Rng rng(5);
  const Map m = random_map(rng, 3000);
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  const std::vector<Digest> pages = tree_pages(store, t.root);
  REQUIRE(pages.size() > 2);
  SECTION("a missing leaf is NotFound") {
    store.erase(pages.back());
    CHECK(thrown([&] { scan(store, t.root); }) == ErrorCode::NotFound);
  }
  SECTION("a child replaced by a page of the wrong level is Corrupt") {
    store.overwrite(pages.back(),
                    Bytes(store.get_page(t.root).begin(), store.get_page(t.root).end()));
    CHECK(thrown([&] { scan(store, t.root); }) == ErrorCode::Corrupt);
    std::vector<Mutation> muts;
    for (const auto& [k, v] : m) muts.push_back(Mutation{k, std::nullopt});
    CHECK(thrown([&] { apply_mutations(store, t.root, muts); }) == ErrorCode::Corrupt);
  }
}

TEST_CASE("RecordTree: cost of find, scan and apply on 100,000 records", "[core][record_tree]") {
  Rng rng(42);
  Map m;
  for (std::uint64_t i = 0; i < 100000; ++i) m.emplace(int_key(i * 10), random_value(rng));
  MemoryPageStore store;
  const TreeStats t = build(store, m);
  const auto depth = static_cast<std::size_t>(tree_height(store, t.root));
  const std::size_t pages = tree_pages(store, t.root).size();
  store.reset_counts();
  CHECK(find_record(store, t.root, int_key(12340)) == m.at(int_key(12340)));
  CHECK(store.gets() == depth + 1);

  store.reset_counts();
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t seen = 0;
  RecordCursor c(store, t.root);
  for (c.seek_to_first(); c.valid(); c.next()) ++seen;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  CHECK(seen == m.size());
  CHECK(store.gets() == pages);  // a scan reads each page once

  // 10 mutations: updates, inserts and deletes, one of them a boundary key.
  EditMap edits;
  for (int i = 0; i < 3; ++i) edits[int_key((rng() % 100000) * 10)] = random_value(rng);
  for (int i = 0; i < 3; ++i) edits[int_key((rng() % 100000) * 10 + 5)] = random_value(rng);
  for (int i = 0; i < 3; ++i) edits[int_key((rng() % 100000) * 10)] = std::nullopt;
  for (std::uint64_t i = 0;; ++i)
    if (is_boundary_key(int_key(i * 10), 0)) {
      edits[int_key(i * 10)] = std::nullopt;
      break;
    }
  const std::vector<Mutation> muts = sorted(edits);
  REQUIRE(muts.size() == 10);
  store.reset_counts();
  const std::size_t before = store.size();
  const TreeStats t2 = apply_mutations(store, t.root, muts);
  const std::size_t reads = store.gets(), writes = store.puts();
  Map m2 = m;
  apply_to_map(m2, muts);
  MemoryPageStore fresh;
  CHECK(t2 == build(fresh, m2));
  CHECK(store.distinct_puts() == writes);  // no page written twice
  CHECK(store.size() - before == writes);  // and none that existed already
  CHECK(writes <= 10 * (depth + 1));
  CHECK(reads <= 2 * 10 * (depth + 1));
  WARN("100k records: depth " << depth << ", " << pages << " pages; scan " << us
                              << " us; apply 10 mutations: " << reads << " reads, " << writes
                              << " writes");
}

}  // namespace
}  // namespace hangar
