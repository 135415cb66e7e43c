// Merge properties: for random edit scripts on two branches, the merged result (and the
// conflict list) equals the per-key three-way rule applied to the full key sets -- through the
// repository and, with bigger maps, on record trees directly. Plus the cost of a merge: pages
// read and written grow with the changes, not with the column size.
#include <catch2/catch.hpp>
#include <random>

#include "history_test_util.h"
#include "support/memory_page_store.h"
#include "tree/record_tree.h"
#include "tree/tree_merge.h"

namespace hangar {
namespace {

using namespace history_test;
using Rng = std::mt19937_64;
using Opt = std::optional<std::int64_t>;

// The rule of merge.h for one key; nullopt conflict kind when the key merges cleanly.
struct Outcome {
  Opt value;
  std::optional<ConflictKind> conflict;
};

Outcome three_way(Opt b, Opt o, Opt t, MergeStrategy s) {
  if (o == t) return {o, std::nullopt};
  if (o == b) return {t, std::nullopt};
  if (t == b) return {o, std::nullopt};
  const ConflictKind kind = !b   ? ConflictKind::BothAdded
                            : !o ? ConflictKind::DeletedModified
                            : !t ? ConflictKind::ModifiedDeleted
                                 : ConflictKind::BothModified;
  return {s == MergeStrategy::Theirs ? t : o, kind};
}

Opt at(const Values& m, std::uint64_t k) {
  auto it = m.find(k);
  return it == m.end() ? Opt{} : Opt{it->second};
}

// A random edit script over keys [0, key_space): each key is touched with probability 1/3,
// set to a value in [0, 4) (small, so both sides often make the same change) or deleted.
Values edit(const Values& base, Rng& rng, std::uint64_t key_space) {
  Values out = base;
  for (std::uint64_t k = 0; k < key_space; ++k) {
    if (rng() % 3 != 0) continue;
    if (out.count(k) && rng() % 3 == 0) {
      out.erase(k);
    } else {
      out[k] = static_cast<std::int64_t>(rng() % 4);
    }
  }
  return out;
}

// Stages the difference between `from` and `to` and commits it (false: nothing to commit).
bool commit_edits(Repository& repo, const Values& from, const Values& to) {
  for (const auto& [k, v] : to)
    if (at(from, k) != v) put_value(repo, "v", k, v);
  for (const auto& [k, v] : from)
    if (!to.count(k)) remove_key(repo, "v", k);
  if (repo.status().clean()) return false;
  repo.commit("edits");
  return true;
}

TEST_CASE("Merge: result equals the per-key three-way rule (property, repository)",
          "[core][merge]") {
  Rng rng(7001);
  for (int iter = 0; iter < 24; ++iter) {
    const MergeStrategy strategy = static_cast<MergeStrategy>(iter % 3);
    TempRepo t;
    Repository& repo = t.repo;
    repo.create_column(int_column("v"));
    const Values base = edit({}, rng, 30);
    commit_edits(repo, {}, base);  // commits at least the new column
    repo.create_branch("dev", std::nullopt);
    const Values ours = edit(base, rng, 30), theirs = edit(base, rng, 30);
    commit_edits(repo, base, ours);
    const Digest ours_head = *repo.head();
    repo.checkout("dev");
    commit_edits(repo, base, theirs);
    repo.checkout("main");

    Values want;
    std::vector<Conflict> want_conflicts;
    for (std::uint64_t k = 0; k < 30; ++k) {
      const Outcome o = three_way(at(base, k), at(ours, k), at(theirs, k), strategy);
      if (o.value) want[k] = *o.value;
      if (o.conflict) {
        Conflict c;
        c.column = "v";
        c.key = Key(k);
        c.kind = *o.conflict;
        want_conflicts.push_back(std::move(c));
      }
    }
    INFO("iteration " << iter << ", strategy " << iter % 3);
    const MergeResult m = repo.merge("dev", {"", strategy, {}});
    if (!want_conflicts.empty() && strategy == MergeStrategy::None) {
      CHECK(m.kind == MergeResult::Kind::Conflict);
      CHECK(keyed(m.conflicts) == want_conflicts);
      CHECK(repo.head() == ours_head);
      continue;
    }
    REQUIRE(m.commit.has_value());
    CHECK(m.conflicts.empty());
    if (m.kind == MergeResult::Kind::Merged) CHECK(keyed(m.resolved) == want_conflicts);
    CHECK(contents(repo, *m.commit, "v") == want);
  }
}

// ---- the same rule on record trees directly, with bigger maps ----

struct KeyLess {
  bool operator()(const Bytes& a, const Bytes& b) const { return compare_keys(a, b) < 0; }
};
using Map = std::map<Bytes, RecordValue, KeyLess>;

// The record of an int64 scalar sample of value v (inline: dtype, shape, chunk digest).
RecordValue value(std::int64_t v) {
  const auto id = SampleId::make_inline(
      DType::Int64, {}, digest_of(ByteView{reinterpret_cast<const std::byte*>(&v), sizeof v}));
  return {*id, sizeof v};
}

Map as_map(const Values& v) {
  Map m;
  for (const auto& [k, x] : v) m.emplace(Key(k).encoded(), value(x));
  return m;
}

Digest build(testing::MemoryPageStore& store, const Values& v) {
  const Map m = as_map(v);
  const std::vector<std::pair<Bytes, RecordValue>> entries(m.begin(), m.end());
  return build_tree(store, entries).root;
}

Map read_tree(testing::MemoryPageStore& store, const Digest& root) {
  Map m;
  if (root.is_zero()) return m;
  for_each_record(store, root, {}, {}, [&](ByteView k, const RecordValue& v) {
    m.emplace(to_bytes(k), v);
    return true;
  });
  return m;
}

TEST_CASE("Merge: tree merge plan equals the per-key rule (property, record trees)",
          "[core][merge]") {
  Rng rng(424242);
  for (int iter = 0; iter < 30; ++iter) {
    const MergeStrategy strategy = static_cast<MergeStrategy>(iter % 3);
    const auto how = static_cast<TreeResolution>(iter % 3);  // same order: None, Ours, Theirs
    const std::uint64_t space = 500 + rng() % 3000;
    testing::MemoryPageStore store;
    const Values base = edit({}, rng, space);
    const Values ours = edit(base, rng, space), theirs = edit(base, rng, space);
    const Digest rb = build(store, base), ro = build(store, ours), rt = build(store, theirs);
    const TreeMergePlan plan = plan_tree_merge(store, rb, ro, rt, how);
    Values want;
    std::vector<Bytes> want_conflicts;
    for (std::uint64_t k = 0; k < space; ++k) {
      const Outcome o = three_way(at(base, k), at(ours, k), at(theirs, k), strategy);
      if (o.value) want[k] = *o.value;
      if (o.conflict) want_conflicts.push_back(Key(k).encoded());
    }
    std::vector<Bytes> got_conflicts;
    for (const auto& c : plan.conflicts) got_conflicts.push_back(c.key);
    INFO("iteration " << iter);
    CHECK(got_conflicts == want_conflicts);
    const Digest merged = apply_mutations(store, ro, plan.mutations).root;
    if (strategy != MergeStrategy::None || want_conflicts.empty()) {
      CHECK(read_tree(store, merged) == as_map(want));
      CHECK(merged == build(store, want));  // canonical: same map, same root
    }
  }
}

TEST_CASE("Merge: cost grows with the changes, not with the column (counting page store)",
          "[core][merge]") {
  // 100,000 keys; ours and theirs each change 10 keys (disjoint). Planning reads the pages on
  // which a side differs from the base: at most 2 * (2 * 10 * (h + 1) + 2) for tree height h
  // (the diff_trees bound, twice); applying theirs' 10 changes to ours writes at most
  // 10 * (h + 1) + 2 pages (each changed leaf and its ancestors, plus a neighbour leaf when a
  // boundary key comes or goes).
  Values base;
  for (std::uint64_t k = 0; k < 100000; ++k) base[k * 2] = static_cast<std::int64_t>(k);
  Values ours = base, theirs = base;
  for (std::uint64_t i = 0; i < 10; ++i) {
    ours[i * 19997 + 1] = 1;                                       // added
    theirs[i * 9973 * 2 + 8] = -static_cast<std::int64_t>(i) - 1;  // mutated
  }
  testing::MemoryPageStore store;
  const Digest rb = build(store, base), ro = build(store, ours), rt = build(store, theirs);
  const auto h = static_cast<std::size_t>(tree_height(store, rb));
  store.reset_counts();
  const TreeMergePlan plan = plan_tree_merge(store, rb, ro, rt, TreeResolution::None);
  const std::size_t reads = store.gets();
  CHECK(plan.conflicts.empty());
  CHECK(plan.mutations.size() == 10);
  const std::size_t read_bound = 2 * (2 * 10 * (h + 1) + 2);
  CHECK(reads <= read_bound);
  store.reset_counts();
  const Digest merged = apply_mutations(store, ro, plan.mutations).root;
  const std::size_t writes = store.distinct_puts();
  const std::size_t write_bound = 10 * (h + 1) + 2;
  CHECK(writes <= write_bound);
  Values want = ours;
  for (std::uint64_t i = 0; i < 10; ++i) want[i * 9973 * 2 + 8] = theirs[i * 9973 * 2 + 8];
  CHECK(merged == build(store, want));
  WARN("merge of 10 + 10 changes on 100,000 keys (height "
       << h << "): " << reads << " page reads (bound " << read_bound << "), " << writes
       << " pages written (bound " << write_bound << ")");
}

}  // namespace
}  // namespace hangar
