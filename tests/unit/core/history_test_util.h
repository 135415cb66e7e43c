// Shared helpers for the diff / merge / merge-base tests: a temporary repository, int64 scalar
// columns whose sample values are easy to state and read back, bulk staging for big columns,
// and a PageStore wrapper that counts page reads.
#pragma once

#include <hangar/error.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "repo/object_store.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "repo/stage_batch.h"
#include "support/temp_repo.h"
#include "support/test_util.h"
#include "tree/record_tree.h"

namespace hangar::history_test {

namespace fs = std::filesystem;

inline const UserIdentity kUser{"History Tester", "history@example.org"};

// A fresh repository opened for writing, in its own temporary folder, authored by kUser.
struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("history", kUser) {}
};

inline ColumnSchema int_column(std::string name, Layout layout = Layout::Flat) {
  ColumnSchema s;
  s.name = std::move(name);
  s.dtype = DType::Int64;
  s.shape = {};
  s.layout = layout;
  return s;
}

inline Tensor scalar(std::int64_t v) {
  Bytes b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return Tensor(DType::Int64, {}, std::move(b));
}

inline void put_value(Repository& repo, std::string_view col, std::uint64_t key, std::int64_t v) {
  repo.put(col, Key(key), std::nullopt, scalar(v).view());
}

inline void remove_key(Repository& repo, std::string_view col, std::uint64_t key) {
  repo.remove(col, {{Key(key), std::nullopt}});
}

inline std::int64_t value_of(const Tensor& t) {
  std::int64_t v;
  std::memcpy(&v, t.data().data(), sizeof v);
  return v;
}

using Values = std::map<std::uint64_t, std::int64_t>;

// Every (int key, value) of an int64 scalar column at `commit`; empty when absent.
inline Values contents(const Repository& repo, const Digest& commit, std::string_view col) {
  Values out;
  const Checkout view = repo.checkout_at(commit);
  if (!view.has_column(col)) return out;
  view.for_each(col, [&](const SampleRef& r) {
    out[r.key.as_int()] = value_of(view.read(r));
    return true;
  });
  return out;
}

// Stages many samples in batches through the writer's staging path (the same path as
// 'hangar import'), which is much faster than one put() per sample.
inline void stage_bulk(Repository& repo, const std::string& col, const Values& values) {
  auto& st = detail::state_of(repo);
  std::vector<std::pair<Bytes, PreparedSample>> batch;
  auto flush = [&] {
    stage_samples(st, col, batch);
    batch.clear();
  };
  for (const auto& [k, v] : values) {
    batch.emplace_back(Key(k).encoded(), prepare_sample(scalar(v).view(), 1));
    if (batch.size() >= 20000) flush();
  }
  if (!batch.empty()) flush();
}

// Entries in the meta env's object table (pages, commits, schemas, descriptors).
inline std::uint64_t object_count(Repository& repo) {
  auto& st = detail::state_of(repo);
  auto txn = st.meta.begin_read();
  return txn.count(st.objects.table());
}

// Counts the page reads of an operation that goes through it.
class CountingPageStore final : public PageStore {
 public:
  explicit CountingPageStore(PageStore& below) : below_(below) {}
  ByteView get_page(const Digest& id) override {
    ++gets_;
    return below_.get_page(id);
  }
  void put_page(const Digest& id, ByteView bytes) override {
    ++puts_;
    below_.put_page(id, bytes);
  }
  std::size_t gets() const noexcept { return gets_; }
  std::size_t puts() const noexcept { return puts_; }

 private:
  PageStore& below_;
  std::size_t gets_ = 0;
  std::size_t puts_ = 0;
};

// Conflicts without their chunk-level region (merge_chunks.h has its own tests), so that the
// key-level tests compare column, key, subkey and kind only.
inline std::vector<Conflict> keyed(std::vector<Conflict> conflicts) {
  for (auto& c : conflicts) c.region.reset();
  return conflicts;
}

}  // namespace hangar::history_test
