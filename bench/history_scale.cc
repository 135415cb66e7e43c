// history_scale: commit and diff cost against column size. For N = 10^4, 10^5, 10^6 tiny
// samples (int64 scalars) and k = 10, 1,000, 100,000 changed keys, times through the public
// Repository API: staging the k changes (put_many in batches of 10,000, one remove), commit,
// diff of the two commits (keys and counts only), and the staged diff before the commit. Cost
// should be flat in N for fixed k: commit and diff touch only the record-tree pages around the
// changed keys.
//
// Usage: bench_history_scale [DIR] [--quick]   (DIR default: /dev/shm if present, else /tmp;
// --quick: N up to 10^5). Prints a table; each cell's changes start from the same base commit
// on their own branch. Changes at k key positions, a quarter deleted, half mutated, a quarter
// added next to an existing key, the positions either
//   spread:    evenly over the whole column (the worst case: they touch min(k, N/128) leaves,
//              so once k exceeds the number of leaves the cost is that of rewriting them all),
//   clustered: consecutive, in the middle of the column (e.g. re-importing a folder);
// for k > N (marked *) every existing key is mutated and the rest are added after the last key.
#include <hangar/hangar.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Stages int64 scalar samples of column "v" with put_many, kBatch a call. Call flush() to
// stage the rest.
class Stager {
 public:
  static constexpr std::size_t kBatch = 10000;

  explicit Stager(hangar::Repository& repo) : repo_(repo) {
    values_.reserve(kBatch);  // never reallocated: the views point into it
    samples_.reserve(kBatch);
  }
  void put(std::uint64_t key, std::int64_t v) {
    values_.push_back(v);
    const hangar::TensorView view{
        hangar::DType::Int64, {}, std::as_bytes(std::span(&values_.back(), 1))};
    const hangar::SampleWrite sample{hangar::Key(key), std::nullopt, view};
    samples_.push_back(sample);  // (a moved temporary trips GCC 12's -Wmaybe-uninitialized)
    if (samples_.size() == kBatch) flush();
  }
  void flush() {
    repo_.put_many("v", samples_);
    samples_.clear();
    values_.clear();
  }

 private:
  hangar::Repository& repo_;
  std::vector<std::int64_t> values_;
  std::vector<hangar::SampleWrite> samples_;
};

enum class Pattern { Spread, Clustered };

struct Cell {
  std::uint64_t n = 0, k = 0;
  Pattern pattern = Pattern::Spread;
  double stage_s = 0, staged_diff_ms = 0, commit_ms = 0, diff_ms = 0, summary_ms = 0;
  std::uint64_t found = 0;  // changes the diff reported (must equal k)
};

// Stages the k changes of one cell (see the file comment).
void stage_changes(hangar::Repository& repo, std::uint64_t n, std::uint64_t k, Pattern pattern,
                   int run) {
  const std::int64_t changed = -1 - run, added = 1 + run;
  std::vector<std::uint64_t> deleted;
  Stager stager(repo);
  if (k > n) {
    for (std::uint64_t p = 0; p < n; ++p) stager.put(2 * p, changed);
    for (std::uint64_t j = 0; j < k - n; ++j) stager.put(2 * n + j, added);
    stager.flush();
    return;
  }
  for (std::uint64_t j = 0; j < k; ++j) {
    const std::uint64_t p = pattern == Pattern::Spread ? j * n / k : (n - k) / 2 + j;
    switch (j % 4) {
      case 0:
        deleted.push_back(2 * p);
        break;
      case 3:
        stager.put(2 * p + 1, added);
        break;
      default:
        stager.put(2 * p, changed);
        break;
    }
  }
  stager.flush();
  // One remove() call: one transaction for all deletions.
  std::vector<std::pair<hangar::Key, std::optional<hangar::Key>>> keys(
      deleted.size(), {hangar::Key(std::uint64_t{0}), std::nullopt});
  for (std::size_t i = 0; i < deleted.size(); ++i) keys[i].first = hangar::Key(deleted[i]);
  repo.remove("v", keys);
}

double time_ms(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return seconds_since(t0) * 1000;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs a cell kRuns times, each on its own branch from `base` with its own values (so no run
// finds the pages of another), and keeps the median of each figure.
Cell run_cell(hangar::Repository& repo, const hangar::Digest& base, std::uint64_t n,
              std::uint64_t k, Pattern pattern) {
  constexpr int kRuns = 3;
  using hangar::DiffDetail;
  using hangar::DiffSide;
  Cell c{n, k, pattern};
  std::vector<double> stage, staged_diff, commit, diff, summary;
  for (int run = 0; run < kRuns; ++run) {
    std::string branch(1, pattern == Pattern::Spread ? 's' : 'c');  // ("s" + x: GCC 12 warns)
    branch += std::to_string(k) + '-' + std::to_string(run);
    repo.create_branch(branch, std::string_view(base.hex()));
    repo.checkout(branch);
    auto t0 = Clock::now();
    stage_changes(repo, n, k, pattern, run);
    stage.push_back(seconds_since(t0));
    staged_diff.push_back(time_ms([&] {
      repo.diff({DiffSide::at(base), DiffSide::staged(), DiffDetail::Keys});
    }));
    t0 = Clock::now();
    const hangar::Digest next = repo.commit("k changes");
    commit.push_back(seconds_since(t0) * 1000);
    hangar::DiffResult d;
    diff.push_back(time_ms([&] { d = repo.diff({DiffSide::at(base), DiffSide::at(next)}); }));
    summary.push_back(time_ms([&] {
      repo.diff({DiffSide::at(base), DiffSide::at(next), DiffDetail::Counts});
    }));
    c.found = d.columns.count("v") ? d.columns.at("v").counts.total() : 0;
  }
  c.stage_s = median(stage);
  c.staged_diff_ms = median(staged_diff);
  c.commit_ms = median(commit);
  c.diff_ms = median(diff);
  c.summary_ms = median(summary);
  return c;
}

void print_row(const Cell& c) {
  std::printf("%-9s %8llu%s %9llu %9.2f %10.2f %9.2f %10.2f %12.2f %9llu\n",
              c.pattern == Pattern::Spread ? "spread" : "clustered",
              static_cast<unsigned long long>(c.k), c.k > c.n ? "*" : " ",
              static_cast<unsigned long long>(c.n), c.stage_s, c.commit_ms, c.diff_ms, c.summary_ms,
              c.staged_diff_ms, static_cast<unsigned long long>(c.found));
}

void run_size(const fs::path& dir, std::uint64_t n, const std::vector<std::uint64_t>& ks,
              std::vector<Cell>& cells) {
  const fs::path root = dir / ("history-" + std::to_string(n));
  fs::remove_all(root);
  fs::create_directories(root);
  hangar::Repository::init(root, {"bench", "bench@localhost"});
  hangar::Repository repo = hangar::Repository::open(root, hangar::Repository::Mode::Write);
  hangar::ColumnSchema s;
  s.name = "v";
  s.dtype = hangar::DType::Int64;
  repo.create_column(s);
  const auto t0 = Clock::now();
  Stager stager(repo);
  for (std::uint64_t p = 0; p < n; ++p) stager.put(2 * p, static_cast<std::int64_t>(p));
  stager.flush();
  const double stage_s = seconds_since(t0);
  const auto t1 = Clock::now();
  const hangar::Digest base = repo.commit("base");
  std::fprintf(stderr, "N=%llu: base staged in %.1f s (put_many), committed in %.2f s\n",
               static_cast<unsigned long long>(n), stage_s, seconds_since(t1));
  for (const Pattern pattern : {Pattern::Spread, Pattern::Clustered}) {
    for (const std::uint64_t k : ks) {
      cells.push_back(run_cell(repo, base, n, k, pattern));
      std::fprintf(stderr, "  k=%llu done\n", static_cast<unsigned long long>(k));
    }
  }
  fs::remove_all(root);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::vector<std::uint64_t> sizes{10000, 100000, 1000000};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") {
      sizes.pop_back();
    } else {
      dir = argv[i];
    }
  }
  const std::vector<std::uint64_t> ks{10, 1000, 100000};
  std::vector<Cell> cells;
  try {
    for (const std::uint64_t n : sizes) run_size(dir, n, ks, cells);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "history_scale: %s\n", e.what());
    return 1;
  }
  // Grouped so that each block reads as "fixed k, growing N".
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return std::tie(a.pattern, a.k, a.n) < std::tie(b.pattern, b.k, b.n);
  });
  std::printf("history_scale in %s: stage in s, other times in ms (median of 3 runs)\n",
              dir.c_str());
  std::printf("%-9s %9s %9s %9s %10s %9s %10s %12s %9s\n", "pattern", "k", "N", "stage_s",
              "commit_ms", "diff_ms", "summary_ms", "staged_diff", "changes");
  for (const Cell& c : cells) print_row(c);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS of this process (every N, all cells): %.1f MB\n", usage.ru_maxrss / 1024.0);
  return 0;
}
