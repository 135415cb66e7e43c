// `hangar log --graph`: the commit DAG as ASCII lanes, like `git log --graph --oneline`
// ('*' a commit, '|' a lane going on, '|\' a merge opening a lane for its second parent,
// '|/' two lanes joining at a shared parent).
#pragma once

#include <hangar/repository.h>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace hangar::cli {

// Orders `entries` (a closed set: every commit reachable from the newest) so that every commit
// comes before its parents, newest first among the commits that are free to go next.
std::vector<LogEntry> topological_order(std::vector<LogEntry> entries);

// Writes at most `limit` commits of `ordered` (from topological_order) with their graph:
// "<graph> <label(entry)>" per commit, plus connector lines between them.
void print_log_graph(std::ostream& out, const std::vector<LogEntry>& ordered, std::size_t limit,
                     const std::function<std::string(const LogEntry&)>& label);

}  // namespace hangar::cli
