// What merge and pull print about a merge (cmd_merge.cc), and the merge options they share.
#pragma once

#include <hangar/merge.h>

#include <ostream>
#include <string>
#include <vector>

namespace hangar::cli {

struct MergeArgs {
  std::string branch;  // what is merged, as given ("dev", "origin/main")
  std::string message;
  std::string strategy;              // "", "ours", "theirs"
  std::vector<std::string> resolve;  // --resolve NAME=ours|theirs, as given
};

// MergeOptions from the command line's message, strategy and resolutions.
// Throws: UsageError (a --resolve that is not NAME=ours|theirs).
MergeOptions merge_options(const MergeArgs& args);

// The human text of a merge result: up to date, fast-forward, merged (with the conflicts the
// strategy resolved), or the conflicts that stopped it.
void print_merge_result(std::ostream& out, const MergeResult& r, const MergeArgs& args,
                        const std::string& branch);

}  // namespace hangar::cli
