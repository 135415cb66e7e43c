// Partial data: which samples' chunks a clone or fetch-data brings. Selection is computed on
// the client from history it already holds, so the server only ever sees chunk digests.
#pragma once

#include <hangar/key.h>
#include <hangar/repository.h>
#include <hangar/storage/digest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hangar::remote {

// The filters combine (a sample must pass all of them); max_bytes applies last.
struct DataSelection {
  bool none = false;                 // --no-data: select nothing
  std::vector<std::string> columns;  // empty: every column
  std::vector<Key> keys;             // empty: every key (nested: every subkey of a key)
  std::optional<double> fraction;    // 0 < f <= 1: a seeded random subset of keys
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> max_bytes;  // per column: samples in key order while they fit
  bool all_history = false;                // every commit reachable from the ref, not just it
};

// Throws: InvalidArgument (fraction outside (0, 1], none combined with another filter).
void validate(const DataSelection& selection);

// True when the fraction filter keeps `key` under `seed`: a pure function of (seed, key), so
// the same seed picks the same keys in every column (image i and label i together) and every
// clone, and a nested key is kept or dropped with all its subkeys.
bool fraction_keeps(double fraction, std::uint64_t seed, const Key& key);

struct SelectionResult {
  std::vector<Digest> chunks;  // unique, in selection order
  std::uint64_t samples = 0;   // samples selected (unique per column and sample)
  std::uint64_t nbytes = 0;    // their raw bytes
};

// The chunks of the samples `selection` picks at `commit` (and its ancestors with
// all_history). Throws: NotFound (commit, or a column in `columns` that no commit has),
// InvalidArgument, Corrupt.
SelectionResult select_chunks(const Repository& repo, const Digest& commit,
                              const DataSelection& selection);

}  // namespace hangar::remote
