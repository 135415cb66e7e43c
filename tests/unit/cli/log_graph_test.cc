// log --graph: topological order and the exact ASCII lanes for merges and crossings.
#include "log_graph.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace hangar::cli {
namespace {

struct History {
  std::vector<LogEntry> entries;
  Digest add(const std::string& message, std::int64_t time, std::vector<Digest> parents) {
    LogEntry e;
    e.digest = digest_of(as_bytes(message));
    e.commit.parents = std::move(parents);
    e.commit.time = time;
    e.commit.message = message;
    entries.push_back(e);
    return e.digest;
  }
  std::string graph(std::size_t limit = 100) const {
    std::ostringstream out;
    print_log_graph(out, topological_order(entries), limit, [](const LogEntry& e) {
      std::string label = e.digest.short_hex();
      label += ' ';
      label += e.commit.message;
      return label;
    });
    return out.str();
  }
};

// One commit row (connector rows are plain strings). Built with += throughout: GCC 12 warns
// (-Wrestrict, a false positive) on some string + literal chains.
std::string line(const std::string& lanes, const Digest& d, const std::string& message) {
  std::string s = lanes;
  s += ' ';
  s += d.short_hex();
  s += ' ';
  s += message;
  return s;
}

std::string lines(const std::vector<std::string>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += r;
    out += '\n';
  }
  return out;
}

TEST_CASE("LogGraph: a merge opens a lane and the fork joins it", "[cli][log_graph]") {
  History h;
  const Digest root = h.add("root", 1, {});
  const Digest c1 = h.add("c1", 2, {root});
  const Digest d1 = h.add("d1", 3, {root});
  const Digest m = h.add("merge", 4, {c1, d1});
  CHECK(h.graph() == lines({line("*", m, "merge"), "|\\", line("| *", d1, "d1"),
                            line("* |", c1, "c1"), "|/", line("*", root, "root")}));
  // -n 2: no connector after the last row shown.
  CHECK(h.graph(2) == lines({line("*", m, "merge"), "|\\", line("| *", d1, "d1")}));
}

TEST_CASE("LogGraph: two merges, three lanes", "[cli][log_graph]") {
  History h;
  const Digest root = h.add("root", 1, {});
  const Digest main1 = h.add("main1", 2, {root});
  const Digest dev1 = h.add("dev1", 3, {root});
  const Digest x1 = h.add("x1", 4, {root});
  const Digest a = h.add("A", 5, {main1, dev1});
  const Digest b = h.add("B", 6, {a, x1});
  CHECK(h.graph() == lines({line("*", b, "B"), "|\\", line("* |", a, "A"), "|\\ \\",
                            line("| | *", x1, "x1"), line("| * |", dev1, "dev1"), "| |/",
                            line("* |", main1, "main1"), "|/", line("*", root, "root")}));
}

TEST_CASE("LogGraph: a lane joining across another crosses it", "[cli][log_graph]") {
  History h;
  const Digest root = h.add("root", 1, {});
  const Digest dev1 = h.add("dev1", 2, {root});
  const Digest x1 = h.add("x1", 3, {root});
  const Digest main1 = h.add("main1", 4, {root});
  const Digest a = h.add("A", 5, {main1, dev1});
  const Digest b = h.add("B", 6, {a, x1});
  // Lanes after A: [main1, dev1, x1]; main1 and x1 then both expect root.
  CHECK(h.graph() == lines({line("*", b, "B"), "|\\", line("* |", a, "A"), "|\\ \\",
                            line("* | |", main1, "main1"), line("| | *", x1, "x1"), "| |/", "|/|",
                            line("| *", dev1, "dev1"), "|/", line("*", root, "root")}));
}

TEST_CASE("LogGraph: topological order puts children first even with equal times",
          "[cli][log_graph]") {
  History h;
  const Digest root = h.add("root", 7, {});
  std::vector<Digest> chain{root};
  for (int i = 0; i < 20; ++i) {
    std::string name = std::to_string(i);
    name += "th";
    chain.push_back(h.add(name, 7, {chain.back()}));
  }
  const std::vector<LogEntry> order = topological_order(h.entries);
  REQUIRE(order.size() == chain.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    CHECK(order[i].digest == chain[chain.size() - 1 - i]);
}

}  // namespace
}  // namespace hangar::cli
