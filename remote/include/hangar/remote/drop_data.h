// drop-data: frees the disk space of sample data that a remote is known to hold (the inverse
// of fetch-data). Known, never guessed: a chunk is dropped only when a commit reachable from a
// remote-tracking branch of that remote references it AND the remote confirms, when asked,
// that it holds it. History is untouched; 'hangar fetch-data' brings every dropped sample back.
#pragma once

#include <hangar/key.h>
#include <hangar/maintenance.h>
#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hangar::remote {

struct DropDataOptions {
  std::string remote;                // empty: transfer::default_remote (the clone remote)
  std::optional<std::string> ref;    // the commit whose samples are candidates; default HEAD
  bool all_history = false;          // candidates: every commit reachable from a local
                                     // branch or HEAD (not with ref)
  std::vector<std::string> columns;  // empty: every column
  std::vector<Key> keys;             // empty: every key (nested: every subkey of a key)
  // Per column, keep the first candidate samples in key order whose bytes total <= this
  // (like clone --max-bytes); drop the rest. With all_history, newest commits first.
  std::optional<std::uint64_t> keep_bytes;
  bool dry_run = false;  // decide and check everything, change nothing
  // Compact the l1 segments and h0 packs left less live than this (drop_local_chunks).
  double threshold = kDefaultCompactThreshold;
  TransportOptions transport;
};

struct DropDataResult {
  std::string remote;
  std::optional<Digest> commit;  // the commit of the selection (nullopt: all_history)
  bool dry_run = false;
  std::uint64_t samples_selected = 0;  // candidate samples (unique per column and sample)
  std::uint64_t samples_kept = 0;      // of those, kept by keep_bytes
  std::uint64_t samples_dropped = 0;   // candidates that had local data and now have none
                                       // of the dropped chunks (with dry_run: would)
  // Samples that were not candidates but share a dropped chunk (content addressing), at the
  // selected commits: they stop being fully local too. Reported, not prevented.
  std::uint64_t samples_also_dropped = 0;
  std::uint64_t chunks_dropped = 0;  // (with dry_run: would be)
  std::uint64_t stored_bytes = 0;    // their stored bytes (compressed) in the index
  std::uint64_t chunks_staged = 0;   // used by staged samples: kept
  SpaceReport space;                 // with dry_run: only space.compaction (the plan)
};

// Selects the candidates, checks every chunk to drop against the remote-tracking history of
// the remote and then asks the remote (Transport::missing_chunks), and only when ALL are known
// to be there drops them (hangar::drop_local_chunks). REQUIRES Write.
// Throws: NotFound (remote, ref, column), InvalidArgument (ref with all_history; or data that
// exists nowhere else: "N samples (M chunks) ... are not on remote 'R' ..." with a Push
// hint, nothing dropped), Remote (the remote cannot be
// reached or refuses: nothing dropped), Corrupt, NoSpace, Io.
DropDataResult drop_data(Repository& repo, const DropDataOptions& options);

}  // namespace hangar::remote
