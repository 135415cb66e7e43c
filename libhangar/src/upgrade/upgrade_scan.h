// What an upgrade converts: the commits reachable from a format-1 repository's refs, parents
// before children, and a census of their columns, samples and chunks, counting the chunks that
// are not local (the upgrade refuses those repositories before it writes anything).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "format1/repo1.h"

namespace hangar::upgrade {

struct History1 {
  std::vector<format1::Digest1> commits;                       // parents before children
  std::vector<std::pair<std::string, format1::Digest1>> refs;  // every ref but HEAD, by name
  std::string head_branch;
  std::uint64_t columns = 0;          // distinct column names
  std::uint64_t samples = 0;          // distinct sample descriptors
  std::uint64_t chunks = 0;           // distinct chunks
  std::uint64_t chunk_bytes = 0;      // their raw bytes
  std::uint64_t borrowed_chunks = 0;  // not local, but in a chunk source (Repo1)
  std::uint64_t missing_chunks = 0;   // neither
};

// Reads every commit, record page and descriptor reachable from the refs once (shared subtrees
// are skipped by page digest), checking them as format 1 did. Polls check_interrupt().
// Throws: NotFound/Corrupt (a missing or broken object), Unsupported, Interrupted.
History1 scan_history(const format1::Repo1& repo);

}  // namespace hangar::upgrade
