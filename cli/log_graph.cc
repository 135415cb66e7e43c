// log --graph: topological order and ASCII lanes.
//
// Lanes: each lane holds the commit it expects next. A commit is drawn as '*' in its lane (a
// new lane on the right when no lane expects it, i.e. a branch tip), and its lane then expects
// its first parent; a second parent opens a lane just right of it (drawn "|\", lanes further
// right shift with '\'). When two lanes expect the same commit, the right one joins the left
// one (drawn "|/", lanes further right shift with '/'; across lanes in between, one column
// per row: "| |/" then "|/|"). A root commit closes its lane.
// Lane k always sits at text column 2k, so connectors fall in the odd columns between lanes.
#include "log_graph.h"

#include <algorithm>
#include <queue>
#include <string>
#include <tuple>
#include <unordered_map>

#include "output.h"

namespace hangar::cli {
namespace {

class Graph {
 public:
  explicit Graph(std::ostream& out) : out_(out) {}

  // Draws `e` as `label`; with `connectors` false (the last row shown) the lines below it are
  // left out.
  void add(const LogEntry& e, const std::string& label, bool connectors) {
    connectors_ = connectors;
    const std::size_t i = lane_of(e.digest);
    std::string row = blank();
    for (std::size_t m = 0; m < lanes_.size(); ++m) row[2 * m] = m == i ? '*' : '|';
    out_ << trim(row) << ' ' << label << '\n';
    const std::vector<Digest>& parents = e.commit.parents;
    if (parents.empty()) {
      close(i);
    } else {
      lanes_[i] = parents[0];
      if (parents.size() > 1) open_after(i, parents[1]);
    }
    while (join_duplicate()) {
    }
  }

 private:
  std::size_t lane_of(const Digest& d) {
    for (std::size_t m = 0; m < lanes_.size(); ++m)
      if (lanes_[m] == d) return m;
    lanes_.push_back(d);
    return lanes_.size() - 1;
  }

  std::string blank() const { return std::string(2 * lanes_.size() + 2, ' '); }

  static std::string trim(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }

  // Removes lane i; lanes right of it shift left.
  void close(std::size_t i) {
    lanes_.erase(lanes_.begin() + static_cast<std::ptrdiff_t>(i));
    if (i == lanes_.size()) return;
    std::string row = blank();
    for (std::size_t m = 0; m < lanes_.size(); ++m) {
      if (m < i) {
        row[2 * m] = '|';
      } else {
        row[2 * m + 1] = '/';
      }
    }
    emit(row);
  }

  // Opens a lane right of lane i for `d`; lanes right of it shift right.
  void open_after(std::size_t i, const Digest& d) {
    std::string row = blank();
    for (std::size_t m = 0; m < lanes_.size(); ++m) {
      if (m <= i) {
        row[2 * m] = '|';
      } else {
        row[2 * m + 1] = '\\';
      }
    }
    row[2 * i + 1] = '\\';
    lanes_.insert(lanes_.begin() + static_cast<std::ptrdiff_t>(i) + 1, d);
    emit(row);
  }

  // Joins the leftmost lane that duplicates an earlier one into it; false when none does.
  bool join_duplicate() {
    for (std::size_t k = 1; k < lanes_.size(); ++k) {
      for (std::size_t j = 0; j < k; ++j) {
        if (lanes_[j] != lanes_[k]) continue;
        std::string row = blank();
        for (std::size_t m = 0; m < lanes_.size(); ++m) {
          if (m < k) {
            row[2 * m] = '|';
          } else {
            row[2 * m - 1] = '/';
          }
        }
        lanes_.erase(lanes_.begin() + static_cast<std::ptrdiff_t>(k));
        emit(row);
        // A join across other lanes moves one column per row, crossing them ("|/|").
        for (std::size_t step = 1; step < k - j; ++step) {
          row = blank();
          for (std::size_t m = 0; m < lanes_.size(); ++m) row[2 * m] = '|';
          row[2 * (k - step) - 1] = '/';
          emit(row);
        }
        return true;
      }
    }
    return false;
  }

  void emit(std::string row) {
    if (connectors_) out_ << trim(std::move(row)) << '\n';
  }

  std::ostream& out_;
  std::vector<Digest> lanes_;
  bool connectors_ = true;
};

}  // namespace

std::vector<LogEntry> topological_order(std::vector<LogEntry> entries) {
  std::unordered_map<Digest, std::size_t> index;
  for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].digest, i);
  std::vector<std::size_t> children(entries.size(), 0);
  for (const auto& e : entries)
    for (const auto& p : e.commit.parents)
      if (auto it = index.find(p); it != index.end()) ++children[it->second];
  auto older = [&](std::size_t a, std::size_t b) {
    return std::tie(entries[a].commit.time, entries[a].digest) <
           std::tie(entries[b].commit.time, entries[b].digest);
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(older)> ready(older);
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (children[i] == 0) ready.push(i);
  std::vector<LogEntry> out;
  out.reserve(entries.size());
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    for (const auto& p : entries[i].commit.parents)
      if (auto it = index.find(p); it != index.end() && --children[it->second] == 0)
        ready.push(it->second);
    out.push_back(std::move(entries[i]));
  }
  return out;
}

void print_log_graph(std::ostream& out, const std::vector<LogEntry>& ordered, std::size_t limit,
                     const std::function<std::string(const LogEntry&)>& label) {
  Graph graph(out);
  const std::size_t rows = std::min(ordered.size(), limit);
  for (std::size_t i = 0; i < rows; ++i) graph.add(ordered[i], label(ordered[i]), i + 1 < rows);
}

}  // namespace hangar::cli
