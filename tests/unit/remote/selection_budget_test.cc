// The --max-bytes budget over a whole selection: complete samples (a key in every selected
// column) in key order, raw bytes and wire bytes both within the budget, samples made whole by
// shared chunks counted, percentages.
#include <hangar/remote/selection.h>

#include <cstring>
#include <set>
#include <unordered_set>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

Tensor int64_scalar(std::int64_t v) {
  Bytes b(8);
  std::memcpy(b.data(), &v, 8);
  return Tensor(DType::Int64, {}, std::move(b));
}

// 60 keys: images (variable shape, 24..192 bytes), labels (int64, value = key: all distinct),
// meta (uint8 [16]) on every key but multiples of 7.
struct ThreeColumns {
  StorageTempDir dir{"budget"};
  std::optional<Repository> repo;
  Digest head;
  static constexpr std::uint64_t kKeys = 60;

  ThreeColumns() {
    repo.emplace(create_repo(dir.path()));
    repo->create_column(images_schema("images", {8, 8, 3}, true));
    std::vector<std::pair<std::string, Tensor>> images, labels, meta;
    for (std::uint64_t k = 0; k < kKeys; ++k) {
      images.emplace_back(key_name(k), random_tensor({k % 8 + 1, 8, 3}, k));
      labels.emplace_back(key_name(k), int64_scalar(static_cast<std::int64_t>(k)));
      if (k % 7 != 0) meta.emplace_back(key_name(k), random_tensor({16}, 1000 + k));
    }
    import_tensors(*repo, "images", images);
    import_tensors(*repo, "labels", labels);
    import_tensors(*repo, "meta", meta);
    head = repo->commit("three columns");
  }

  // The samples of key k in `columns`.
  std::vector<SampleRef> unit(std::uint64_t k, const std::vector<std::string>& columns) const {
    const Checkout view = repo->checkout_at(head);
    std::vector<SampleRef> out;
    for (const auto& c : columns)
      if (auto ref = view.find(c, key_of(k))) out.push_back(*ref);
    return out;
  }
};

// Raw bytes `summary` would call local if exactly `chunks` were local: every sample of
// `columns` whose chunks all are.
std::uint64_t local_nbytes(const Repository& repo, const Digest& head,
                           const std::vector<std::string>& columns,
                           const std::vector<Digest>& chunks) {
  const std::unordered_set<Digest> have(chunks.begin(), chunks.end());
  transfer::HistoryReader history(repo);
  const Checkout view = repo.checkout_at(head);
  std::uint64_t sum = 0;
  for (const auto& c : columns)
    view.for_each(c, [&](const SampleRef& ref) {
      bool all = true;
      for (const auto& d : history.sample_chunks(ref.sample)) all = all && have.count(d);
      if (all) sum += ref.nbytes;
      return true;
    });
  return sum;
}

// What a budget of `budget` bytes over `columns` must select: the longest key-order prefix whose
// samples, each with a record head, fit in the budget less one request's overhead (all chunks
// distinct here).
struct Expected {
  std::uint64_t units = 0, samples = 0, nbytes = 0, nbytes_left = 0, units_left = 0;
  std::set<Digest> chunks;
};

Expected expected_selection(const ThreeColumns& f, const std::vector<std::string>& columns,
                            std::uint64_t budget) {
  transfer::HistoryReader history(*f.repo);
  const std::uint64_t avail = budget > kPackOverhead ? budget - kPackOverhead : 0;
  Expected e;
  std::uint64_t wire = 0, total = 0;
  bool open = true;
  for (std::uint64_t k = 0; k < ThreeColumns::kKeys; ++k) {
    std::uint64_t cost = 0, raw = 0;
    const auto refs = f.unit(k, columns);
    for (const auto& ref : refs) {
      cost += ref.nbytes + kChunkRecordOverhead;
      raw += ref.nbytes;
    }
    total += raw;
    if (open && wire + cost <= avail) {
      wire += cost;
      ++e.units;
      e.samples += refs.size();
      e.nbytes += raw;
      for (const auto& ref : refs)
        for (const auto& d : history.sample_chunks(ref.sample)) e.chunks.insert(d);
    } else {
      open = false;  // key order: stop at the first key that does not fit
    }
  }
  e.nbytes_left = total - e.nbytes;
  e.units_left = ThreeColumns::kKeys - e.units;
  return e;
}

TEST_CASE("Selection: the budget bounds two and three columns together",
          "[remote][selection][budget]") {
  ThreeColumns f;
  using Columns = std::vector<std::string>;
  // The second set: meta is missing on some keys.
  for (const Columns& columns :
       {Columns{"images", "labels"}, Columns{"images", "labels", "meta"}}) {
    for (std::uint64_t budget : std::initializer_list<std::uint64_t>{
             0, kPackOverhead - 1, kPackOverhead, 200, 1000, 3333, 8000, std::uint64_t{1} << 30}) {
      DataSelection s;
      s.columns = columns;
      s.max_bytes = budget;
      const SelectionResult r = select_chunks(*f.repo, f.head, s);
      const Expected e = expected_selection(f, columns, budget);
      INFO("budget " << budget << ", " << columns.size() << " columns");
      CHECK(r.units == e.units);
      CHECK(r.samples == e.samples);
      CHECK(r.nbytes == e.nbytes);
      CHECK(r.nbytes_left == e.nbytes_left);
      CHECK(r.units_left == e.units_left);
      CHECK(std::set<Digest>(r.chunks.begin(), r.chunks.end()) == e.chunks);
      CHECK(r.wire_bound <= budget);
      CHECK(local_nbytes(*f.repo, f.head, columns, r.chunks) <= budget);
    }
  }
}

TEST_CASE("Selection: every column is budgeted when none is named", "[remote][selection][budget]") {
  ThreeColumns f;
  DataSelection s;
  s.max_bytes = 2000;
  const SelectionResult r = select_chunks(*f.repo, f.head, s);
  CHECK(r.units > 0);
  CHECK(r.wire_bound <= 2000);
  CHECK(r.nbytes <= 2000);
  // Complete samples only: keys 1.. have three samples, key 0 two (no meta).
  std::uint64_t expected = 0;
  for (std::uint64_t k = 0; k < r.units; ++k) expected += k % 7 == 0 ? 2 : 3;
  CHECK(r.samples == expected);
}

TEST_CASE("Selection: a percentage budget is a share of the selected raw bytes",
          "[remote][selection][budget]") {
  ThreeColumns f;
  DataSelection all;
  all.columns = {"images", "labels"};
  const SelectionResult everything = select_chunks(*f.repo, f.head, all);
  DataSelection s = all;
  s.max_percent = 10.0;
  const SelectionResult r = select_chunks(*f.repo, f.head, s);
  REQUIRE(r.budget);
  CHECK(*r.budget == everything.nbytes / 10);
  CHECK(r.wire_bound <= *r.budget);
  CHECK(r.units > 0);
  CHECK(r.units < ThreeColumns::kKeys / 5);
  CHECK(selection_budget(*f.repo, f.head, s) == r.budget);
  s.max_bytes = 5;
  CHECK(error_of([&] { validate(s); }).code() == ErrorCode::InvalidArgument);
  DataSelection bad;
  bad.max_percent = 120.0;
  CHECK(error_of([&] { validate(bad); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Selection: samples made whole by shared chunks count against the budget",
          "[remote][selection][budget]") {
  // 100 keys with labels 0/1: the first label chunk taken makes 50 labels local at once.
  StorageTempDir dir{"budget-shared"};
  Repository repo = create_repo(dir.path());
  std::vector<std::pair<std::string, Tensor>> images, labels;
  for (std::uint64_t k = 0; k < 100; ++k) {
    images.emplace_back(key_name(k), random_tensor({8, 8, 3}, k));
    labels.emplace_back(key_name(k), int64_scalar(static_cast<std::int64_t>(k % 2)));
  }
  import_tensors(repo, "images", images);
  import_tensors(repo, "labels", labels);
  const Digest head = repo.commit("shared labels");
  for (std::uint64_t budget = 0; budget < 3000; budget += 41) {
    DataSelection s;
    s.max_bytes = budget;
    const SelectionResult r = select_chunks(repo, head, s);
    INFO("budget " << budget);
    CHECK(r.wire_bound <= budget);
    CHECK(r.stored_bound <= budget);
    CHECK(local_nbytes(repo, head, {"images", "labels"}, r.chunks) <= budget);
    CHECK(r.samples == 2 * r.units);
  }
  DataSelection s;
  // The wire cost of key 0, but 50 labels become local.
  s.max_bytes = kPackOverhead + 192 + kChunkRecordOverhead + 8 + kChunkRecordOverhead;
  CHECK(select_chunks(repo, head, s).units == 0);
}

TEST_CASE("Selection: --all-history budgets newest commit first", "[remote][selection][budget]") {
  ThreeColumns f;
  f.repo->remove("images", {{key_of(0), std::nullopt}, {key_of(1), std::nullopt}});
  const Digest c2 = f.repo->commit("drop two");
  DataSelection s;
  s.columns = {"images"};
  s.all_history = true;
  const SelectionResult full = select_chunks(*f.repo, c2, s);
  CHECK(full.units == ThreeColumns::kKeys);  // the 58 at c2, then keys 0 and 1 of the parent
  std::uint64_t at_head = 0;
  for (std::uint64_t k = 2; k < ThreeColumns::kKeys; ++k)
    at_head += f.unit(k, {"images"}).front().nbytes + kChunkRecordOverhead;
  s.max_bytes = kPackOverhead + at_head;  // exactly the samples of the newest commit
  const SelectionResult r = select_chunks(*f.repo, c2, s);
  CHECK(r.units == ThreeColumns::kKeys - 2);
  CHECK(r.units_left == 2);
}

}  // namespace
}  // namespace hangar::remote::test

namespace hangar::remote::test {
namespace {

TEST_CASE("Selection: a nested key is one unit with all its subkeys",
          "[remote][selection][budget]") {
  // Key k has k % 3 + 1 subkeys of 48 random bytes, plus one flat image of 48 bytes.
  StorageTempDir dir{"budget-nested"};
  Repository repo = create_repo(dir.path());
  ColumnSchema nested = images_schema("parts", {16, 3});
  nested.layout = Layout::Nested;
  repo.create_column(nested);
  std::vector<Tensor> tensors;
  std::vector<SampleWrite> writes;
  for (std::uint64_t k = 0; k < 30; ++k)
    for (std::uint64_t j = 0; j <= k % 3; ++j) {
      tensors.push_back(random_tensor({16, 3}, 100 * k + j));
      writes.push_back({key_of(k), Key(j), {}});
    }
  for (std::size_t i = 0; i < writes.size(); ++i) writes[i].tensor = tensors[i].view();
  repo.put_many("parts", writes);
  put_samples(repo, "images", 0, 30, 9, {16, 3});
  const Digest head = repo.commit("nested");
  for (std::uint64_t budget : {0ull, 300ull, 1000ull, 2500ull}) {
    DataSelection s;
    s.max_bytes = budget;
    const SelectionResult r = select_chunks(repo, head, s);
    const std::uint64_t avail = budget > kPackOverhead ? budget - kPackOverhead : 0;
    std::uint64_t wire = 0, n = 0, samples = 0;
    while (n < 30) {
      const std::uint64_t parts = n % 3 + 1;
      const std::uint64_t cost = (parts + 1) * (48 + kChunkRecordOverhead);
      if (wire + cost > avail) break;
      wire += cost;
      samples += parts + 1;
      ++n;
    }
    INFO("budget " << budget);
    CHECK(r.units == n);
    CHECK(r.samples == samples);  // every subkey of a taken key, and its image
    CHECK(r.wire_bound <= budget);
  }
}

}  // namespace
}  // namespace hangar::remote::test
