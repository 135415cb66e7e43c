// Partial-data selection: byte budgets never exceeded and taken in key order, seeded fractions
// reproducible and aligned across columns, keys and columns filters.
#include <hangar/remote/selection.h>

#include <numeric>
#include <set>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

// 120 samples of varying size (variable-shape column) plus a small aligned "labels" column.
struct SelectionFixture {
  StorageTempDir dir{"selection"};
  std::optional<Repository> repo;
  Digest head;
  std::vector<std::uint64_t> sizes;  // images' nbytes by key

  SelectionFixture() {
    repo.emplace(create_repo(dir.path()));
    repo->create_column(images_schema("images", {16, 8, 3}, true));
    std::vector<std::pair<std::string, Tensor>> items;
    for (std::uint64_t k = 0; k < 120; ++k) {
      items.emplace_back(key_name(k), random_tensor({k % 16 + 1, 8, 3}, k));
      sizes.push_back(items.back().second.nbytes());
    }
    import_tensors(*repo, "images", items);
    put_samples(*repo, "labels", 0, 120, 5, {2});
    head = repo->commit("base");
  }
};

TEST_CASE("Selection: --max-bytes takes a key-order prefix and never goes over",
          "[remote][selection]") {
  SelectionFixture f;
  for (std::uint64_t budget : {0ull, 1ull, 24ull, 100ull, 1000ull, 5000ull, 20000ull, 1ull << 40}) {
    DataSelection s;
    s.columns = {"images"};
    s.max_bytes = budget;
    const SelectionResult r = select_chunks(*f.repo, f.head, s);
    // Wire rule: one request (pack header and trailer), a record head per chunk.
    const std::uint64_t avail = budget > kPackOverhead ? budget - kPackOverhead : 0;
    std::uint64_t sum = 0, wire = 0, n = 0;
    while (n < f.sizes.size() && wire + f.sizes[n] + kChunkRecordOverhead <= avail) {
      wire += f.sizes[n] + kChunkRecordOverhead;
      sum += f.sizes[n++];
    }
    INFO("budget " << budget);
    CHECK(r.nbytes <= budget);
    CHECK(r.wire_bound <= budget);
    CHECK(r.nbytes == sum);
    CHECK(r.samples == n);
    CHECK(r.units == n);
    CHECK(r.units_left == 120 - n);
    CHECK(r.chunks.size() == n);
  }
}

// A plain clone (no filter, no budget) takes a path of its own; it must take what the general
// selector takes when a filter keeps everything: the same chunks in the same order, the same
// counts and bounds. Samples share chunks within a key (same bytes in two columns), across keys
// (another column holds an image of another key) and within a column (equal samples).
TEST_CASE("Selection: taking everything matches a selection whose filter keeps everything",
          "[remote][selection]") {
  SelectionFixture f;
  const auto image = [](std::uint64_t k) { return random_tensor({k % 16 + 1, 8, 3}, k); };
  std::vector<std::pair<std::string, Tensor>> same, copies, dups;
  for (std::uint64_t k = 0; k < 30; ++k) same.emplace_back(key_name(k), image(k));
  same.emplace_back(key_name(100), random_tensor({0, 8, 3}, 1));  // empty: no chunk at all
  for (std::uint64_t k = 0; k < 60; ++k) copies.emplace_back(key_name(k), image((k + 7) % 120));
  for (std::uint64_t k = 0; k < 10; ++k) dups.emplace_back(key_name(k * 3), image(5));
  f.repo->create_column(images_schema("same", {16, 8, 3}, true));
  f.repo->create_column(images_schema("copies", {16, 8, 3}, true));
  f.repo->create_column(images_schema("dups", {16, 8, 3}, true));
  import_tensors(*f.repo, "same", same);
  import_tensors(*f.repo, "copies", copies);
  import_tensors(*f.repo, "dups", dups);
  const Digest head = f.repo->commit("shared chunks");
  for (const std::vector<std::string>& columns :
       {std::vector<std::string>{}, std::vector<std::string>{"copies", "images"}}) {
    DataSelection everything;
    everything.columns = columns;
    DataSelection kept_whole = everything;
    kept_whole.fraction = 1.0;  // the general selector, keeping every key
    const SelectionResult a = select_chunks(*f.repo, head, everything);
    const SelectionResult b = select_chunks(*f.repo, head, kept_whole);
    INFO("columns " << columns.size());
    CHECK(a.chunks == b.chunks);
    CHECK(a.units == b.units);
    CHECK(a.samples == b.samples);
    CHECK(a.nbytes == b.nbytes);
    CHECK(a.stored_bound == b.stored_bound);
    CHECK(a.wire_bound == b.wire_bound);
    CHECK(a.units_left == 0);
    CHECK(a.samples_left == 0);
    CHECK(a.nbytes_left == 0);
    CHECK_FALSE(a.budget.has_value());
  }
  DataSelection missing;
  missing.columns = {"images", "nope"};
  CHECK(code_of([&] { select_chunks(*f.repo, head, missing); }) == ErrorCode::NotFound);
}

TEST_CASE("Selection: already received bytes count against the budget", "[remote][selection]") {
  SelectionFixture f;
  DataSelection s;
  s.columns = {"images"};
  s.max_bytes = 1000;
  const SelectionResult all = select_chunks(*f.repo, f.head, s);
  const SelectionResult less = select_chunks(*f.repo, f.head, s, 500);
  CHECK(less.units < all.units);
  CHECK(less.wire_bound + 500 <= 1000);
  CHECK(select_chunks(*f.repo, f.head, s, 2000).units == 0);  // history alone went over
}

TEST_CASE("Selection: --fraction is reproducible by seed and aligned across columns",
          "[remote][selection]") {
  SelectionFixture f;
  auto pick = [&](std::uint64_t seed, const std::string& column) {
    DataSelection s;
    s.columns = {column};
    s.fraction = 0.3;
    s.seed = seed;
    return select_chunks(*f.repo, f.head, s);
  };
  const auto a = pick(1, "images"), b = pick(1, "images"), c = pick(2, "images");
  CHECK(a.chunks == b.chunks);
  CHECK(a.chunks != c.chunks);
  CHECK(a.samples > 15);
  CHECK(a.samples < 60);
  std::set<std::uint64_t> image_keys, label_keys;
  for (std::uint64_t k = 0; k < 120; ++k)
    if (fraction_keeps(0.3, 1, key_of(k))) image_keys.insert(k);
  CHECK(image_keys.size() == a.samples);
  CHECK(pick(1, "labels").samples == a.samples);  // the same keys in every column
  DataSelection all;
  all.fraction = 1.0;
  CHECK(select_chunks(*f.repo, f.head, all).samples == 240);
}

TEST_CASE("Selection: keys, columns and none", "[remote][selection]") {
  SelectionFixture f;
  DataSelection s;
  s.keys = {key_of(3), key_of(17)};
  CHECK(select_chunks(*f.repo, f.head, s).samples == 4);
  // Keys that no selected column has are an error naming them, before anything is selected.
  s.keys = {key_of(3), key_of(17), key_of(999), key_of(998)};
  const Error unmatched = error_of([&] { select_chunks(*f.repo, f.head, s); });
  CHECK(unmatched.code() == ErrorCode::NotFound);
  CHECK(std::string(unmatched.what())
            .find("no sample has keys '" + key_of(998).to_string() + "' and '" +
                  key_of(999).to_string() + "'") != std::string::npos);
  s.keys = {key_of(3), key_of(17)};
  s.columns = {"labels"};
  CHECK(select_chunks(*f.repo, f.head, s).samples == 2);
  s.columns = {"nope"};
  CHECK(error_of([&] { select_chunks(*f.repo, f.head, s); }).code() == ErrorCode::NotFound);
  DataSelection none;
  none.none = true;
  CHECK(select_chunks(*f.repo, f.head, none).chunks.empty());
  none.max_bytes = 5;
  CHECK(error_of([&] { validate(none); }).code() == ErrorCode::InvalidArgument);
  DataSelection bad;
  bad.fraction = 1.5;
  CHECK(error_of([&] { validate(bad); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Selection: --all-history reaches samples deleted since", "[remote][selection]") {
  SelectionFixture f;
  f.repo->remove("images", {{key_of(0), std::nullopt}, {key_of(1), std::nullopt}});
  const Digest c2 = f.repo->commit("drop two");
  DataSelection s;
  s.columns = {"images"};
  CHECK(select_chunks(*f.repo, c2, s).samples == 118);
  s.all_history = true;
  CHECK(select_chunks(*f.repo, c2, s).samples == 120);
}

}  // namespace
}  // namespace hangar::remote::test
