// Repository::diff and show: per-column added / deleted / mutated keys, schema changes, the
// staged side, counts-only mode, element statistics (incl. float16 and bool), and the cost
// of a diff and of a commit on a 100,000-sample column, counted in pages.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "history_test_util.h"
#include "ops/diff_engine.h"
#include "ops/diff_stats.h"
#include "repo/column_view.h"
#include "repo/repo_access.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

using namespace history_test;

std::vector<SampleKey> keys(std::initializer_list<std::uint64_t> ks) {
  std::vector<SampleKey> out(ks.size(), SampleKey{Key(0), std::nullopt});
  std::size_t i = 0;
  for (auto k : ks) out[i++].key = Key(k);
  return out;
}

std::vector<SampleKey> mutated_keys(const ColumnDiff& d) {
  std::vector<SampleKey> out;
  for (const auto& m : d.mutated) out.push_back(m.sample);
  return out;
}

// Same changes, ignoring which sides the results name.
void check_same_changes(const DiffResult& a, const DiffResult& b) {
  REQUIRE(a.columns.size() == b.columns.size());
  for (const auto& [name, d] : a.columns) {
    INFO("column " << name);
    REQUIRE(b.columns.count(name));
    const ColumnDiff& e = b.columns.at(name);
    CHECK(d.counts == e.counts);
    CHECK(d.added == e.added);
    CHECK(d.deleted == e.deleted);
    CHECK(mutated_keys(d) == mutated_keys(e));
  }
  CHECK(a.schema.added == b.schema.added);
  CHECK(a.schema.deleted == b.schema.deleted);
  CHECK(a.schema.mutated == b.schema.mutated);
}

// Column v = {1:10 .. 5:50}, column w = {1:1}; committed.
struct Base {
  TempRepo t;
  Repository& repo = t.repo;
  Digest c1;
  Base() {
    repo.create_column(int_column("v"));
    for (std::uint64_t k = 1; k <= 5; ++k)
      put_value(repo, "v", k, static_cast<std::int64_t>(k * 10));
    repo.create_column(int_column("w"));
    put_value(repo, "w", 1, 1);
    c1 = repo.commit("base");
  }
  void edit_v() {
    put_value(repo, "v", 6, 60);  // added
    remove_key(repo, "v", 2);     // deleted
    put_value(repo, "v", 3, 33);  // mutated
    put_value(repo, "v", 4, 40);  // same value: no change
  }
};

TEST_CASE("Diff: commit vs commit lists added, deleted and mutated keys per column",
          "[core][diff]") {
  Base b;
  b.edit_v();
  const Digest c2 = b.repo.commit("edit");
  const DiffResult d = b.repo.diff({DiffSide::at(b.c1), DiffSide::at(c2)});
  CHECK(d.from == DiffSide::at(b.c1));
  CHECK(d.to == DiffSide::at(c2));
  REQUIRE(d.columns.size() == 1);
  const ColumnDiff& v = d.columns.at("v");
  CHECK(v.added == keys({6}));
  CHECK(v.deleted == keys({2}));
  CHECK(mutated_keys(v) == keys({3}));
  CHECK_FALSE(v.mutated[0].stats.has_value());
  CHECK(v.counts == DiffCounts{1, 1, 1});
  CHECK(d.schema.empty());

  const DiffResult back = b.repo.diff({DiffSide::at(c2), DiffSide::at(b.c1)});
  CHECK(back.columns.at("v").added == keys({2}));
  CHECK(back.columns.at("v").deleted == keys({6}));
  CHECK(b.repo.diff({DiffSide::at(c2), DiffSide::at(c2)}).empty());

  const DiffResult counts = b.repo.diff({DiffSide::at(b.c1), DiffSide::at(c2), DiffDetail::Counts});
  CHECK(counts.columns.at("v").counts == DiffCounts{1, 1, 1});
  CHECK(counts.columns.at("v").added.empty());
  CHECK(counts.columns.at("v").mutated.empty());
  CHECK(error_of([&] {
          b.repo.diff({DiffSide::at(Digest{}), DiffSide::at(c2)});
        }).code() == ErrorCode::NotFound);
}

TEST_CASE("Diff: schema changes and one-sided columns", "[core][diff]") {
  Base b;
  b.repo.create_column(int_column("gone"));
  put_value(b.repo, "gone", 7, 7);
  put_value(b.repo, "gone", 8, 8);
  const Digest c1 = b.repo.commit("add gone");
  b.repo.delete_column("gone");
  b.repo.create_column(int_column("fresh"));
  put_value(b.repo, "fresh", 9, 9);
  b.repo.delete_column("w");
  ColumnSchema w = int_column("w");
  w.dtype = DType::Int32;
  b.repo.create_column(w);
  const Digest c2 = b.repo.commit("schemas");
  for (DiffDetail detail : {DiffDetail::Keys, DiffDetail::Counts}) {
    const DiffResult d = b.repo.diff({DiffSide::at(c1), DiffSide::at(c2), detail});
    CHECK(d.schema.added == std::vector<std::string>{"fresh"});
    CHECK(d.schema.deleted == std::vector<std::string>{"gone"});
    CHECK(d.schema.mutated == std::vector<std::string>{"w"});
    CHECK(d.columns.at("gone").counts == DiffCounts{0, 2, 0});
    CHECK(d.columns.at("fresh").counts == DiffCounts{1, 0, 0});
    CHECK(d.columns.at("w").counts == DiffCounts{0, 1, 0});  // re-created empty
    CHECK_FALSE(d.columns.count("v"));
    if (detail == DiffDetail::Keys) CHECK(d.columns.at("gone").deleted == keys({7, 8}));
  }
  const DiffResult from_empty = b.repo.diff({DiffSide::empty(), DiffSide::at(c1)});
  CHECK(from_empty.schema.added == std::vector<std::string>{"gone", "v", "w"});
  CHECK(from_empty.columns.at("v").added == keys({1, 2, 3, 4, 5}));
}

TEST_CASE("Diff: the staged side equals the diff of the commit it becomes", "[core][diff]") {
  Base b;
  b.edit_v();
  b.repo.create_column(int_column("fresh"));
  put_value(b.repo, "fresh", 1, 1);
  b.repo.delete_column("w");
  b.repo.create_column(int_column("w"));  // re-created: HEAD's samples are gone
  put_value(b.repo, "w", 2, 2);
  const DiffResult staged = b.repo.diff({DiffSide::at(b.c1), DiffSide::staged()});
  const DiffResult unstaged = b.repo.diff({DiffSide::staged(), DiffSide::at(b.c1)});
  CHECK(b.repo.diff({DiffSide::staged(), DiffSide::staged()}).empty());
  CHECK(staged.columns.at("w").added == keys({2}));
  CHECK(staged.columns.at("w").deleted == keys({1}));
  CHECK(unstaged.columns.at("v").added == keys({2}));
  const Digest c2 = b.repo.commit("edit");
  check_same_changes(staged, b.repo.diff({DiffSide::at(b.c1), DiffSide::at(c2)}));
  check_same_changes(unstaged, b.repo.diff({DiffSide::at(c2), DiffSide::at(b.c1)}));

  // Staged work against an older commit: the tree diff and the staging delta combine.
  put_value(b.repo, "v", 1, 11);
  put_value(b.repo, "v", 3, 30);  // back to c1's value
  remove_key(b.repo, "v", 6);     // c1 never had it
  put_value(b.repo, "v", 9, 90);
  const DiffResult vs_c1 = b.repo.diff({DiffSide::at(b.c1), DiffSide::staged()});
  const Digest c3 = b.repo.commit("more");
  check_same_changes(vs_c1, b.repo.diff({DiffSide::at(b.c1), DiffSide::at(c3)}));
  CHECK(vs_c1.columns.at("v").added == keys({9}));
  CHECK(vs_c1.columns.at("v").deleted == keys({2}));
  CHECK(mutated_keys(vs_c1.columns.at("v")) == keys({1}));
}

TEST_CASE("Diff: show counts a commit's changes against its first parent", "[core][diff]") {
  Base b;
  const ShowResult root = b.repo.show(b.c1);
  CHECK(root.commit.message == "base");
  CHECK(root.changes.from == DiffSide::empty());
  CHECK(root.changes.columns.at("v").counts == DiffCounts{5, 0, 0});
  b.edit_v();
  const Digest c2 = b.repo.commit("edit");
  const ShowResult s = b.repo.show(c2);
  CHECK(s.digest == c2);
  CHECK(s.commit.parents == std::vector<Digest>{b.c1});
  CHECK(s.changes.columns.at("v").counts == DiffCounts{1, 1, 1});
  CHECK(s.changes.columns.at("v").added.empty());  // counts only
}

// ---- element statistics ----

template <typename T>
Tensor tensor_of(DType dtype, std::vector<T> values) {
  Bytes b(values.size() * sizeof(T));
  std::memcpy(b.data(), values.data(), b.size());
  return Tensor(dtype, {values.size()}, std::move(b));
}

std::optional<ElementDiff> ediff(const Tensor& a, const Tensor& b) {
  return element_diff(a.view(), b.view());
}

TEST_CASE("Diff: half_to_float converts every class of float16", "[core][diff]") {
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(half_to_float(0x3555) == Approx(0.333251953125f));
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));     // smallest subnormal
  CHECK(half_to_float(0x03ff) == std::ldexp(1023.0f, -24));  // largest subnormal
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));     // smallest normal
  CHECK(std::signbit(half_to_float(0x8000)));
  CHECK(half_to_float(0x8000) == 0.0f);
  CHECK(half_to_float(0x7c00) == std::numeric_limits<float>::infinity());
  CHECK(half_to_float(0xfc00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(half_to_float(0x7e00)));
}

TEST_CASE("Diff: element statistics per dtype", "[core][diff]") {
  CHECK(ediff(tensor_of<std::int8_t>(DType::Int8, {-128, 5, 7}),
              tensor_of<std::int8_t>(DType::Int8, {127, 5, 6})) == ElementDiff{2, 255});
  CHECK(ediff(tensor_of<std::uint64_t>(DType::UInt64, {0, 1}),
              tensor_of<std::uint64_t>(DType::UInt64, {1ull << 63, 1})) ==
        ElementDiff{1, std::ldexp(1.0, 63)});
  CHECK(ediff(tensor_of<std::int64_t>(DType::Int64, {-5}),
              tensor_of<std::int64_t>(DType::Int64, {5})) == ElementDiff{1, 10});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(ediff(tensor_of<float>(DType::Float32, {1.5f, nan, nan, 2.0f}),
              tensor_of<float>(DType::Float32, {1.0f, nan, 3.0f, 2.0f})) == ElementDiff{2, 0.5});
  CHECK(ediff(tensor_of<double>(DType::Float64, {0.0, 1.0}),
              tensor_of<double>(DType::Float64, {-0.0, 1.0 + 1e-9}))
            ->changed == 1);
  // float16: 1.0 -> -2.0 (diff 3), 65504 -> 65504, 0.5 -> 0.5
  CHECK(ediff(tensor_of<std::uint16_t>(DType::Float16, {0x3c00, 0x7bff, 0x3800}),
              tensor_of<std::uint16_t>(DType::Float16, {0xc000, 0x7bff, 0x3800})) ==
        ElementDiff{1, 3});
  CHECK(ediff(tensor_of<std::uint8_t>(DType::Bool, {0, 1, 1, 0}),
              tensor_of<std::uint8_t>(DType::Bool, {1, 1, 0, 0})) == ElementDiff{2, 1});
  CHECK(ediff(tensor_of<std::uint8_t>(DType::UInt8, {1, 2}),
              tensor_of<std::uint8_t>(DType::UInt8, {1})) == std::nullopt);
  CHECK(ediff(tensor_of<std::int8_t>(DType::Int8, {1}),
              tensor_of<std::uint8_t>(DType::UInt8, {1})) == std::nullopt);
}

TEST_CASE("Diff: stats read both tensors of each mutated sample", "[core][diff]") {
  TempRepo t;
  ColumnSchema s = int_column("f");
  s.dtype = DType::Float32;
  s.shape = {4};
  t.repo.create_column(s);
  t.repo.put("f", Key(1), std::nullopt, tensor_of<float>(DType::Float32, {1, 2, 3, 4}).view());
  t.repo.put("f", Key(2), std::nullopt, tensor_of<float>(DType::Float32, {0, 0, 0, 0}).view());
  const Digest c1 = t.repo.commit("one");
  t.repo.put("f", Key(1), std::nullopt, tensor_of<float>(DType::Float32, {1, 2.5, 3, 0}).view());
  const DiffResult staged = t.repo.diff({DiffSide::at(c1), DiffSide::staged(), DiffDetail::Stats});
  const Digest c2 = t.repo.commit("two");
  const DiffResult d = t.repo.diff({DiffSide::at(c1), DiffSide::at(c2), DiffDetail::Stats});
  for (const DiffResult* r : {&staged, &d}) {
    const ColumnDiff& f = r->columns.at("f");
    REQUIRE(f.mutated.size() == 1);
    CHECK(f.mutated[0].sample.key == Key(1));
    CHECK(f.mutated[0].stats == ElementDiff{2, 4});
  }
}

// ---- cost ----

TEST_CASE("Diff: cost of diff and commit on 100,000 samples (counting page store)",
          "[core][diff]") {
  // Bounds, for tree height h (levels above the leaves; h = 2 here):
  //  - diff of two commits differing in k keys reads at most 2 * k * (h + 1) + 2 pages
  //    (diff_trees descends only into subtrees whose digests differ, on both sides);
  //  - staged vs HEAD reads at most 2 * (k * (h + 1) + 2) pages (the staged keys' paths, once
  //    to apply the delta in memory and once to diff against HEAD);
  //  - a commit of k changes writes at most k * (h + 1) + 2 pages (each changed leaf and its
  //    ancestors, plus a neighbour when a boundary key comes or goes) and one commit object.
  TempRepo t;
  Repository& repo = t.repo;
  repo.create_column(int_column("v"));
  Values all;
  for (std::uint64_t k = 0; k < 100000; ++k) all[k * 2] = static_cast<std::int64_t>(k);
  stage_bulk(repo, "v", all);
  Digest prev = repo.commit("100k");
  auto& st = detail::state_of(repo);
  std::size_t h = 0;
  {
    auto txn = st.meta.begin_read();
    TxnPageStore pages(st.objects, txn);
    h = static_cast<std::size_t>(tree_height(pages, commit_columns(st, txn, prev).at("v").root));
  }
  auto counted_diff = [&](const DiffSpec& spec) {
    auto txn = st.meta.begin_read();
    TxnPageStore pages(st.objects, txn);
    CountingPageStore counting(pages);
    const DiffResult r = detail::compute_diff(st, txn, counting, spec);
    return std::pair{r, counting.gets()};
  };
  std::uint64_t next_i = 0;  // each round touches fresh keys
  for (const std::uint64_t k : {10, 1000}) {
    INFO("k = " << k);
    for (std::uint64_t i = 0; i < k; ++i, ++next_i) {
      const std::uint64_t key = (next_i * 37337) % 100000 * 2;
      if (i % 3 == 0) {
        remove_key(repo, "v", key);
      } else if (i % 3 == 1) {
        put_value(repo, "v", key, -1);
      } else {
        put_value(repo, "v", key + 1, 1);
      }
    }
    const auto [staged, staged_reads] = counted_diff({DiffSide::at(prev), DiffSide::staged()});
    CHECK(staged.columns.at("v").counts.total() == k);
    CHECK(staged_reads <= 2 * (k * (h + 1) + 2));
    const std::uint64_t objects = object_count(repo);
    const Digest next = repo.commit("k changes");
    const std::uint64_t written = object_count(repo) - objects;
    CHECK(written <= k * (h + 1) + 2 + 1);
    const auto [d, reads] = counted_diff({DiffSide::at(prev), DiffSide::at(next)});
    CHECK(d.columns.at("v").counts.total() == k);
    CHECK(reads <= 2 * k * (h + 1) + 2);
    WARN("100,000 samples, h = " << h << ", k = " << k << ": commit wrote " << written
                                 << " objects, diff read " << reads << " pages (bound "
                                 << 2 * k * (h + 1) + 2 << "), staged diff read " << staged_reads
                                 << " pages");
    prev = next;
  }
}

}  // namespace
}  // namespace hangar
