// Repository::put_many: a batch of samples staged in one step, all or nothing; a repeated key
// keeps its last sample; an empty batch stages nothing. (put() is put_many of one sample, so
// repository_test.cc covers the single-sample rules.)
#include <hangar/error.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "history_test_util.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "repo/stage_batch.h"

namespace hangar {
namespace {

using namespace history_test;

// int64 scalar samples for put_many; `values` owns the bytes the views point at.
struct ScalarBatch {
  std::vector<std::int64_t> values;
  std::vector<SampleWrite> samples;

  explicit ScalarBatch(std::size_t capacity) {
    values.reserve(capacity);  // no reallocation: the views point into it
    samples.reserve(capacity);
  }
  void add(Key key, std::int64_t v, std::optional<Key> subkey = std::nullopt) {
    if (values.size() == values.capacity()) FAIL("ScalarBatch is full");
    values.push_back(v);
    samples.push_back({std::move(key), std::move(subkey),
                       TensorView{DType::Int64, {}, std::as_bytes(std::span(&values.back(), 1))}});
  }
};

// (key, subkey) -> value of every sample of an int64 scalar column in the staged view.
using Staged = std::map<std::pair<std::string, std::string>, std::int64_t>;
Staged staged_values(const Repository& repo, std::string_view col) {
  Staged out;
  const Checkout view = repo.staged_view();
  view.for_each(col, [&](const SampleRef& r) {
    out[{r.key.to_string(), r.subkey ? r.subkey->to_string() : ""}] = value_of(view.read(r));
    return true;
  });
  return out;
}

std::uint64_t chunk_count(Repository& repo) { return detail::state_of(repo).chunks.stats().chunks; }

// StatusReport has no operator==; this compares every field.
auto status_fields(const StatusReport& s) {
  std::map<std::string, std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> staged;
  for (const auto& [col, c] : s.staged) staged[col] = {c.added, c.deleted, c.mutated};
  return std::tuple(s.branch, s.head, staged, s.columns_added, s.columns_deleted);
}

}  // namespace

TEST_CASE("put_many: 1,000 samples are staged, committed and read back", "[core][put_many]") {
  TempRepo r;
  r.repo.create_column(int_column("v"));
  ScalarBatch batch(1000);
  Values expected;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    const std::int64_t v = static_cast<std::int64_t>(k) * 7 - 3;
    batch.add(Key(k * 3), v);
    expected[k * 3] = v;
  }
  r.repo.put_many("v", batch.samples);
  const StatusReport s = r.repo.status();
  REQUIRE(s.staged.count("v") == 1);
  CHECK(s.staged.at("v").added == 1000);
  const Digest id = r.repo.commit("batch");
  CHECK(contents(r.repo, id, "v") == expected);
  CHECK(r.repo.checkout_at(id).count("v") == 1000);

  // Nested columns take (key, subkey) pairs; the same key under two subkeys is two samples.
  r.repo.create_column(int_column("n", Layout::Nested));
  ScalarBatch nested(3);
  nested.add(Key(1), 10, Key(std::string("a")));
  nested.add(Key(1), 11, Key(std::string("b")));
  nested.add(Key(std::string("x/y")), 12, Key(std::uint64_t{0}));
  r.repo.put_many("n", nested.samples);
  CHECK(staged_values(r.repo, "n") ==
        Staged{{{"1", "a"}, 10}, {{"1", "b"}, 11}, {{"x/y", "0"}, 12}});
}

TEST_CASE("put_many: one bad sample refuses the whole batch and stages nothing",
          "[core][put_many]") {
  TempRepo r;
  r.repo.create_column(int_column("v"));
  r.repo.create_column(int_column("n", Layout::Nested));
  for (std::uint64_t k = 0; k < 10; ++k) put_value(r.repo, "v", k, static_cast<std::int64_t>(k));
  r.repo.commit("base");
  put_value(r.repo, "v", 3, 33);  // staged work the failed batches must leave alone
  remove_key(r.repo, "v", 4);
  const auto status_before = status_fields(r.repo.status());
  const Staged values_before = staged_values(r.repo, "v");
  const std::uint64_t chunks_before = chunk_count(r.repo);

  // 100 samples: new keys and changes to committed ones, with `bad` at position 50.
  const auto refused = [&](const SampleWrite& bad) {
    ScalarBatch batch(100);
    for (std::uint64_t k = 0; k < 100; ++k) batch.add(Key(k), 1000 + static_cast<std::int64_t>(k));
    batch.samples[50] = bad;
    return error_of([&] { r.repo.put_many("v", batch.samples); });
  };
  const std::int64_t eight[2] = {8, 8};
  const ByteView two_values = std::as_bytes(std::span(eight));
  const ByteView one_value = two_values.first(8);

  SECTION("wrong shape") {
    const Error e = refused(
        {Key(std::string("bad/shape")), std::nullopt, TensorView{DType::Int64, {2}, two_values}});
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("'bad/shape'") && Catch::Contains("int64 [2]"));
  }
  SECTION("wrong dtype") {
    const Error e =
        refused({Key(std::uint64_t{500}), std::nullopt, TensorView{DType::Float64, {}, one_value}});
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("'500'") && Catch::Contains("float64 []"));
  }
  SECTION("data shorter than its shape") {
    const Error e = refused(
        {Key(std::uint64_t{501}), std::nullopt, TensorView{DType::Int64, {}, one_value.first(4)}});
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("cannot stage 'v'/'501'") && Catch::Contains("got 4"));
  }
  SECTION("a subkey on a flat column") {
    const Error e = refused(
        {Key(std::uint64_t{502}), Key(std::uint64_t{1}), TensorView{DType::Int64, {}, one_value}});
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("is flat"));
  }
  SECTION("a nested column without a subkey") {
    ScalarBatch batch(2);
    batch.add(Key(1), 1, Key(std::uint64_t{1}));
    batch.add(Key(2), 2);
    CHECK(error_of([&] { r.repo.put_many("n", batch.samples); }).code() ==
          ErrorCode::InvalidArgument);
    CHECK(staged_values(r.repo, "n").empty());
  }
  SECTION("an unknown column") {
    ScalarBatch batch(1);
    batch.add(Key(1), 1);
    const Error e = error_of([&] { r.repo.put_many("nope", batch.samples); });
    CHECK(e.code() == ErrorCode::NotFound);
    CHECK_THAT(e.what(), Catch::Contains("'nope'"));
  }
  // The repository exactly as before: status, staged samples, and not one chunk written.
  CHECK(status_fields(r.repo.status()) == status_before);
  CHECK(staged_values(r.repo, "v") == values_before);
  CHECK(chunk_count(r.repo) == chunks_before);
}

TEST_CASE("put_many: a key given twice keeps its last sample", "[core][put_many]") {
  TempRepo r;
  r.repo.create_column(int_column("v"));
  put_value(r.repo, "v", 5, 5);
  r.repo.commit("base");

  ScalarBatch batch(6);
  batch.add(Key(1), 10);
  batch.add(Key(2), 20);
  batch.add(Key(1), 11);  // new key twice: the last value is staged
  batch.add(Key(5), 50);
  batch.add(Key(5), 5);  // committed key changed and changed back: nothing staged for it
  batch.add(Key(1), 12);
  r.repo.put_many("v", batch.samples);
  CHECK(staged_values(r.repo, "v") == Staged{{{"1", ""}, 12}, {{"2", ""}, 20}, {{"5", ""}, 5}});
  const StatusReport s = r.repo.status();
  REQUIRE(s.staged.count("v") == 1);
  CHECK(s.staged.at("v").added == 2);
  CHECK(s.staged.at("v").mutated == 0);
  const Digest id = r.repo.commit("twice");
  CHECK(contents(r.repo, id, "v") == Values{{1, 12}, {2, 20}, {5, 5}});
}

TEST_CASE("put_many: import's undo restores a batch with a repeated key", "[core][put_many]") {
  TempRepo r;
  r.repo.create_column(int_column("v"));
  put_value(r.repo, "v", 1, 1);
  const Staged before = staged_values(r.repo, "v");
  auto& st = detail::state_of(r.repo);
  std::vector<std::pair<Bytes, PreparedSample>> batch;
  for (std::int64_t v : {2, 3})
    batch.emplace_back(Key(1).encoded(), prepare_sample(scalar(v).view(), 1));
  batch.emplace_back(Key(2).encoded(), prepare_sample(scalar(4).view(), 1));
  detail::StageUndo undo;
  stage_samples(st, "v", batch, &undo);
  CHECK(staged_values(r.repo, "v") == Staged{{{"1", ""}, 3}, {{"2", ""}, 4}});
  unstage(st, "v", undo);
  CHECK(staged_values(r.repo, "v") == before);
}

TEST_CASE("put_many: an empty batch stages nothing", "[core][put_many]") {
  TempRepo r;
  r.repo.create_column(int_column("v"));
  put_value(r.repo, "v", 1, 1);
  const auto status_before = status_fields(r.repo.status());
  r.repo.put_many("v", {});
  CHECK(status_fields(r.repo.status()) == status_before);
  CHECK(staged_values(r.repo, "v") == Staged{{{"1", ""}, 1}});
  // The column must still exist, and the repository be open for writing.
  CHECK(error_of([&] { r.repo.put_many("nope", {}); }).code() == ErrorCode::NotFound);
  r.repo.commit("one");
  Repository reader = Repository::open(r.dir.path(), Repository::Mode::Read);
  CHECK(error_of([&] { reader.put_many("v", {}); }).code() == ErrorCode::Internal);
}

TEST_CASE("StageUndo replays keys of any length backwards and truncates", "[core][put_many]") {
  detail::StageUndo undo;
  auto bytes = [](const std::string& s) {
    Bytes b(s.size());
    std::memcpy(b.data(), s.data(), s.size());
    return b;
  };
  const std::string long_key(300, 'k');  // length needs both length bytes
  const StagedSample kept = RecordValue{SampleId::of_descriptor(digest_of(bytes("x"))), 7};
  undo.add(bytes("a"), std::nullopt);
  undo.add(bytes(long_key), kept);
  const auto mark = undo.mark();
  undo.add(bytes("b"), std::nullopt);
  undo.add(bytes("c"), kept);
  undo.truncate(mark);
  undo.add(bytes("d"), std::nullopt);
  std::vector<std::pair<std::string, bool>> seen;
  undo.for_each_reverse([&](ByteView key, const std::optional<StagedSample>& previous) {
    seen.emplace_back(std::string(reinterpret_cast<const char*>(key.data()), key.size()),
                      previous.has_value());
    if (previous) CHECK(*previous == kept);
  });
  const std::vector<std::pair<std::string, bool>> expected{
      {"d", false}, {long_key, true}, {"a", false}};
  CHECK(seen == expected);
}

}  // namespace hangar
