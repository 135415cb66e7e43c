// Partial data: which samples' chunks a clone or fetch-data brings. Selection is computed on
// the client from history it already holds, so the server only ever sees chunk digests.
//
// Sample units. A *unit* is one key with its samples in every selected column that has it (a
// nested column's key brings all its subkeys). Units are taken whole or not at all, so image i
// and label i are local together.
//
// Budget (--max-bytes N, or P% of the raw bytes of the samples the columns and keys filters
// select). N
// bounds the whole selection, every column together, and is kept twice:
//  - stored: the raw bytes of every sample the taken chunks make whole (what `summary`
//    reports as local_nbytes, summed over the selected columns; a sample that shares its
//    chunks with a taken one, such as an equal label, counts too) stay <= N - already;
//  - wire: the pack bytes the data requests can bring stay <= N - already, counted per chunk
//    as kChunkRecordOverhead + the raw bytes of its samples (a chunk is stored, and sent,
//    compressed only when that makes it smaller: storage/codec.h encode_chunk), plus
//    kPackOverhead per request of up to kMaxDigestsPerRequest digests.
// `already` is what the command received before its data requests (clone: the handshake,
// refs and history; any command: the label chunks of --stratify), so that
// TransferStats::bytes_received <= N. The count ignores what is local already, so the same
// options pick the same keys whatever is local (a repeated fetch-data moves nothing).
// Units are taken in key order (with all_history: newest commit first, then key order) until
// the next would go over; with stratify, in each class's seeded order until the next would go
// over the class's share.
//
// Stratify (--stratify LABEL). Keys are grouped by the value of their sample in LABEL (a label
// column: labels.h check_label_column), read at the selected commit. Every class takes the same
// share: with fraction F, the first round(F * n_class) keys of the class in a seeded order (a
// pure function of seed and key); with a budget, the class's share
// floor((N - already - overhead) * n_class / n_labelled) of it. Keys without a label sample are
// not taken. The labels must be local: clone and fetch-data first fetch the label column's
// missing chunks (every key's; they are stored like any data, and with a budget their pack
// bytes count as `already`, and it is an error when they alone would pass N).
#pragma once

#include <hangar/base/digest.h>
#include <hangar/key.h>
#include <hangar/repository.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hangar::remote {

// Wire bytes per chunk record beyond its payload (the record head of docs/format/pack.md:
// type, codec, digest, raw u32, payload u64 = 46).
inline constexpr std::uint64_t kChunkRecordOverhead = 1 + 1 + Digest::kSize + 4 + 8;
// Wire bytes per chunk request beyond its records: pack header (8) and trailer record (46 + 16).
inline constexpr std::uint64_t kPackOverhead = 8 + kChunkRecordOverhead + 16;

// The filters combine (a sample must pass all of them); the budget applies last.
struct DataSelection {
  bool none = false;                 // --no-data: select nothing
  std::vector<std::string> columns;  // empty: every column
  std::vector<Key> keys;             // empty: every key (nested: every subkey of a key)
  std::optional<double> fraction;    // 0 < f <= 1: a seeded random subset of keys
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> max_bytes;  // budget for the whole selection (see above)
  std::optional<double> max_percent;       // 0 < p <= 100: budget = p% of the units' raw bytes
  std::optional<std::string> stratify;     // label column: the same share of every class
  bool all_history = false;                // every commit reachable from the ref, not just it
};

// Throws: InvalidArgument (fraction outside (0, 1], percent outside (0, 100], both max_bytes
// and max_percent, none combined with another filter, stratify without fraction or a budget,
// stratify with all_history).
void validate(const DataSelection& selection);

// True when the fraction filter keeps `key` under `seed`: a pure function of (seed, key), so
// the same seed picks the same keys in every column (image i and label i together) and every
// clone, and a nested key is kept or dropped with all its subkeys.
bool fraction_keeps(double fraction, std::uint64_t seed, const Key& key);

struct SelectionResult {
  std::vector<Digest> chunks;  // unique, in selection order
  std::uint64_t units = 0;     // keys taken (per commit with all_history)
  std::uint64_t samples = 0;   // samples taken (one per column and key or subkey)
  std::uint64_t nbytes = 0;    // their raw bytes
  // Left on the remote: keys of the selected columns (at the selected commits) with a sample
  // not taken, whether a filter or the budget left it; their untaken samples and raw bytes.
  std::uint64_t units_left = 0;
  std::uint64_t samples_left = 0;
  std::uint64_t nbytes_left = 0;
  std::optional<std::uint64_t> budget;  // N (a percentage resolved), when there is one
  std::uint64_t stored_bound = 0;       // raw bytes the chunks make local (<= budget - already)
  std::uint64_t wire_bound = 0;         // most pack bytes the chunk requests can bring (same bound)
};

// The chunks of the samples `selection` picks at `commit` (and its ancestors with
// all_history); `already` counts against the budget (see above). REQUIRES with stratify:
// the label column's samples at `commit` are local (label_chunks()).
// When `already` and the request overhead leave no budget, nothing is taken.
// Throws: NotFound (commit, a column in `columns` that no commit has, the stratify column),
// InvalidArgument (validate(), not a label column), NotLocal (a label), Corrupt.
SelectionResult select_chunks(const Repository& repo, const Digest& commit,
                              const DataSelection& selection, std::uint64_t already = 0);

// The budget of `selection` at `commit`: max_bytes, or max_percent of the raw bytes of the
// samples the columns and keys filters select (before fraction, stratify and the budget);
// nullopt without one. Throws: like select_chunks.
std::optional<std::uint64_t> selection_budget(const Repository& repo, const Digest& commit,
                                              const DataSelection& selection);

// The distinct chunks of every sample of label column `column` at `commit`, each with a bound
// on its raw (and so stored and sent) bytes. Throws: NotFound, InvalidArgument (not a label
// column).
struct LabelChunks {
  std::vector<Digest> chunks;
  std::vector<std::uint64_t> raw_bounds;  // parallel to chunks
};
LabelChunks label_chunks(const Repository& repo, const Digest& commit, const std::string& column);

// The most pack bytes requests for `chunks` chunks can bring beyond their records.
std::uint64_t pack_overhead(std::uint64_t chunks);

}  // namespace hangar::remote
