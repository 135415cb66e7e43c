// --stratify: the same share of every class, seeded and reproducible, aligned across columns;
// with a budget, each class's proportional share. Label columns: 0-d or 1-element integers;
// other shapes are refused. summarize_by_label (summary --by).
#include <hangar/labels.h>
#include <hangar/remote/selection.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

// A label tensor of `shape` with every element `v`.
template <typename T>
Tensor label_tensor(DType dtype, Shape shape, T v) {
  std::uint64_t n = 1;
  for (auto d : shape) n *= d;
  Bytes b(sizeof(T) * n);
  for (std::uint64_t i = 0; i < n; ++i) std::memcpy(b.data() + i * sizeof(T), &v, sizeof(T));
  return Tensor(dtype, std::move(shape), std::move(b));
}

constexpr std::uint64_t kClassSizes[] = {10, 25, 50, 100, 200, 300, 500};

// 1185 keys in 7 unequal classes, interleaved in key order; images uint8 [6] (distinct), and a
// label column of the given dtype and shape.
struct Classes {
  StorageTempDir dir{"stratify"};
  std::optional<Repository> repo;
  Digest head;
  std::map<std::uint64_t, std::int64_t> label;  // key -> class
  std::unordered_map<Digest, std::uint64_t> key_of_image_chunk;

  explicit Classes(DType dtype = DType::Int64, Shape shape = {}) {
    repo.emplace(create_repo(dir.path()));
    std::vector<std::int64_t> classes;
    for (std::int64_t c = 0; c < 7; ++c)
      for (std::uint64_t i = 0; i < kClassSizes[c]; ++i) classes.push_back(c);
    hangar::test::SplitMix64 rng(42);
    for (std::size_t i = classes.size(); i > 1; --i)
      std::swap(classes[i - 1], classes[rng.next() % i]);
    std::vector<std::pair<std::string, Tensor>> images, labels;
    for (std::uint64_t k = 0; k < classes.size(); ++k) {
      images.emplace_back(key_name(k), random_tensor({6}, k));
      label[k] = classes[k];
      if (dtype == DType::Int32)
        labels.emplace_back(key_name(k),
                            label_tensor(dtype, shape, static_cast<std::int32_t>(classes[k])));
      else if (dtype == DType::Float32)
        labels.emplace_back(key_name(k),
                            label_tensor(dtype, shape, static_cast<float>(classes[k])));
      else
        labels.emplace_back(key_name(k), label_tensor(dtype, shape, classes[k]));
    }
    import_tensors(*repo, "images", images);
    import_tensors(*repo, "labels", labels);
    head = repo->commit("classes");
    transfer::HistoryReader history(*repo);
    const Checkout view = repo->checkout_at(head);
    view.for_each("images", [&](const SampleRef& ref) {
      for (const auto& d : history.sample_chunks(ref.sample))
        key_of_image_chunk[d] = static_cast<std::uint64_t>(std::stoull(ref.key.as_string()));
      return true;
    });
  }

  std::set<std::uint64_t> keys_taken(const SelectionResult& r) const {
    std::set<std::uint64_t> out;
    for (const auto& d : r.chunks)
      if (auto it = key_of_image_chunk.find(d); it != key_of_image_chunk.end())
        out.insert(it->second);
    return out;
  }
  std::map<std::int64_t, std::uint64_t> per_class(const std::set<std::uint64_t>& keys) const {
    std::map<std::int64_t, std::uint64_t> out;
    for (auto k : keys) ++out[label.at(k)];
    return out;
  }
};

SelectionResult stratified(const Classes& f, std::optional<double> fraction, std::uint64_t seed,
                           std::optional<std::uint64_t> budget = std::nullopt) {
  DataSelection s;
  s.stratify = "labels";
  s.fraction = fraction;
  s.seed = seed;
  s.max_bytes = budget;
  return select_chunks(*f.repo, f.head, s);
}

TEST_CASE("Selection: --stratify --fraction takes round(F * n) of every class",
          "[remote][selection][stratify]") {
  Classes f;
  for (double fraction : {0.05, 0.1, 0.3, 0.5, 1.0}) {
    const SelectionResult r = stratified(f, fraction, 7);
    const auto counts = f.per_class(f.keys_taken(r));
    INFO("fraction " << fraction);
    for (std::int64_t c = 0; c < 7; ++c) {
      const double want = std::round(fraction * static_cast<double>(kClassSizes[c]));
      const auto it = counts.find(c);
      const double got = it == counts.end() ? 0.0 : static_cast<double>(it->second);
      INFO("class " << c << " of " << kClassSizes[c]);
      CHECK(std::abs(got - want) <= 1.0);
    }
    CHECK(r.samples == 2 * r.units);  // image and label of every key taken
  }
}

TEST_CASE("Selection: --stratify is reproducible by seed", "[remote][selection][stratify]") {
  Classes f;
  const auto a = f.keys_taken(stratified(f, 0.2, 1));
  const auto b = f.keys_taken(stratified(f, 0.2, 1));
  const auto c = f.keys_taken(stratified(f, 0.2, 2));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.size() == c.size());
  // Not simply the first keys of each class in key order.
  std::map<std::int64_t, std::uint64_t> first;
  std::set<std::uint64_t> prefix;
  for (const auto& [k, l] : f.label)
    if (first[l] < static_cast<std::uint64_t>(std::round(0.2 * double(kClassSizes[l])))) {
      ++first[l];
      prefix.insert(k);
    }
  CHECK(a != prefix);
}

TEST_CASE("Selection: --stratify --max-bytes gives every class its proportional share",
          "[remote][selection][stratify]") {
  Classes f;
  const std::uint64_t n = 1185;
  for (std::uint64_t budget : {3000ull, 20000ull, 60000ull}) {
    const SelectionResult r = stratified(f, std::nullopt, 3, budget);
    CHECK(r.wire_bound <= budget);
    CHECK(r.stored_bound <= budget);
    const auto counts = f.per_class(f.keys_taken(r));
    // Per class share = avail * n_c / n. Its first key costs image + label on the wire and
    // makes the class's n_c labels local (one shared chunk); every further key costs an image.
    const std::uint64_t avail = budget - kPackOverhead;
    INFO("budget " << budget);
    for (std::int64_t c = 0; c < 7; ++c) {
      const std::uint64_t nc = kClassSizes[c];
      const auto share =
          static_cast<std::uint64_t>(std::floor(static_cast<long double>(avail) * nc / n));
      std::uint64_t want = 0, wire = 0, stored = 0;
      while (want < nc) {
        const std::uint64_t w = want == 0 ? 6 + kChunkRecordOverhead + 8 + kChunkRecordOverhead
                                          : 6 + kChunkRecordOverhead;
        const std::uint64_t st = want == 0 ? 6 + 8 * nc : 6;
        if (wire + w > share || stored + st > share) break;
        wire += w;
        stored += st;
        ++want;
      }
      const auto it = counts.find(c);
      INFO("class " << c << " share " << share);
      CHECK((it == counts.end() ? 0 : it->second) == want);
    }
    CHECK(r.samples == 2 * r.units);
  }
}

TEST_CASE("Selection: 1-element label arrays stratify like scalars",
          "[remote][selection][stratify]") {
  auto shape = GENERATE(Shape{1}, Shape{1, 1});
  Classes f(DType::Int32, shape);
  const SelectionResult r = stratified(f, 0.3, 5);
  auto counts = f.per_class(f.keys_taken(r));
  for (std::int64_t c = 0; c < 7; ++c)
    CHECK(std::abs(static_cast<double>(counts[c]) - std::round(0.3 * double(kClassSizes[c]))) <=
          1.0);
}

TEST_CASE("Selection: a label column of another shape or dtype is refused",
          "[remote][selection][stratify]") {
  SECTION("two elements") {
    Classes f(DType::Int64, {2});
    const Error e = error_of([&] { stratified(f, 0.5, 0); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).find("cannot be a label column") != std::string::npos);
  }
  SECTION("float") {
    Classes f(DType::Float32, {});
    CHECK(error_of([&] { stratified(f, 0.5, 0); }).code() == ErrorCode::InvalidArgument);
  }
  SECTION("variable shape") {
    ColumnSchema s = images_schema("labels", {1}, true);
    CHECK(error_of([&] { check_label_column(s); }).code() == ErrorCode::InvalidArgument);
    s.variable_shape = false;
    check_label_column(s);
    s.layout = Layout::Nested;
    CHECK(error_of([&] { check_label_column(s); }).code() == ErrorCode::InvalidArgument);
  }
  SECTION("stratify needs a share, and one commit") {
    DataSelection s;
    s.stratify = "labels";
    CHECK(error_of([&] { validate(s); }).code() == ErrorCode::InvalidArgument);
    s.fraction = 0.5;
    validate(s);
    s.all_history = true;
    CHECK(error_of([&] { validate(s); }).code() == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Labels: summarize_by_label counts keys per class", "[remote][labels]") {
  Classes f;
  const ClassSummary s = summarize_by_label(f.repo->checkout_at(f.head), "labels");
  REQUIRE(s.classes.size() == 7);
  for (std::int64_t c = 0; c < 7; ++c) {
    CHECK(s.classes[c].label.value == c);
    CHECK(s.classes[c].count == kClassSizes[c]);
    CHECK(s.classes[c].local_count == kClassSizes[c]);
  }
  CHECK(s.unknown.count == 0);
  CHECK(s.unlabelled == 0);
}

}  // namespace
}  // namespace hangar::remote::test
