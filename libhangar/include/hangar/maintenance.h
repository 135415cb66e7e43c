// Repository maintenance: fsck, a read-only consistency check, and
// gc, which drops what no ref and no staged change can reach.
// fsck runs on a Read-mode repository and so works while a writer runs: it reads one LMDB
// snapshot of the meta env. Findings are values (FsckReport::problems), not exceptions.
#pragma once

#include <hangar/base/compaction.h>
#include <hangar/base/digest.h>
#include <hangar/repository.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace hangar {

// The compaction threshold and report (hangar/base/compaction.h), as gc and drop-data use them.
using storage::check_compact_threshold;
using storage::CompactionStats;
using storage::kDefaultCompactThreshold;

// One finding. kind: "ref", "commit", "schema", "page", "descriptor", "chunk" or "staging";
// digest: the object concerned (all-zero when none, e.g. a malformed HEAD); message: one line
// saying what is wrong and where the object was referenced from.
struct FsckProblem {
  std::string kind;
  Digest digest;
  std::string message;
};

struct FsckReport {
  std::uint64_t commits = 0;    // commits decoded
  std::uint64_t objects = 0;    // meta objects checked: commits, schemas, pages, descriptors
  std::uint64_t pages = 0;      // record-tree pages checked
  std::uint64_t samples = 0;    // distinct samples checked: descriptor objects, and inline
                                // samples (held in their records) counted by chunk
  std::uint64_t chunks = 0;     // indexed chunks verified against their backend
  std::uint64_t not_local = 0;  // referenced chunks absent in a partial clone (not an error)
  std::vector<FsckProblem> problems;

  bool ok() const noexcept { return problems.empty(); }
};

// Walks every commit reachable from refs/heads/*, refs/remotes/* and HEAD, decoding and
// re-hashing each commit, schema, record-tree page (inline samples included) and descriptor
// object (one of a sample that records must hold inline is a problem); checks that every
// referenced chunk is in the location index (or, in a clone — clone.remote set — or a
// repository with a remote, counts it as not local: drop-data leaves such chunks); verifies every
// indexed chunk (present, right size; with `rehash` also decoded and re-hashed); and checks that
// staged columns and samples reference existing objects. Throws: Io (the disk fails while reading),
// Interrupted; every inconsistency is a problem in the report. `progress`, when set, follows the
// chunk check (the long part): (stored bytes checked, stored bytes indexed).
FsckReport fsck(const Repository& repo, bool rehash,
                const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

// Disk space given back by a chunk drop (storage::Chunks::reclaim).
struct SpaceReport {
  std::uint64_t disk_bytes_before = 0;  // bytes on disk under .hangar/chunks (like du)
  std::uint64_t disk_bytes_after = 0;
  bool compacted = false;           // LMDB files shrunk; false when another process had them open
  std::uint64_t pending_bytes = 0;  // freed LMDB pages kept in the files (when not compacted)
  // The l1 segments and h0 packs deleted, compacted and kept (decision 0013); with a dry run,
  // what would be, and bytes_to_free what that would give back.
  CompactionStats compaction;

  std::uint64_t freed() const noexcept {
    return disk_bytes_before > disk_bytes_after ? disk_bytes_before - disk_bytes_after : 0;
  }
};

struct GcReport {
  bool dry_run = false;
  std::uint64_t chunks = 0;        // unreferenced chunks dropped from the location index
  std::uint64_t chunk_bytes = 0;   // their stored (compressed) bytes
  std::uint64_t objects = 0;       // unreachable meta objects deleted
  std::uint64_t object_bytes = 0;  // their bytes
  SpaceReport space;  // what the chunk store gave back (with dry_run: only space.compaction)
};

struct GcOptions {
  bool dry_run = false;
  // Compact the l1 segments and h0 packs whose live fraction is below this (0..1); those
  // without any live chunk are deleted whatever it is (decision 0013).
  double threshold = kDefaultCompactThreshold;
  // When set, follows the scan of the chunk index for unreferenced chunks: (stored bytes
  // scanned, stored bytes indexed), every few thousand chunks and at the end.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress{};
};

// Removes (with `dry_run`: only counts) the chunks in the location index that no inline
// sample or descriptor reachable from a ref (refs/heads/*, refs/remotes/*), HEAD or the staging
// area names, and the meta objects (commits, schemas, record pages, descriptors) none of these
// reach. The unreachable objects go in one meta txn; the chunks go through storage::Chunks::reclaim
// (index entries removed in one txn, then their bytes reclaimed in the crash-safe order
// written in chunks.h: no index entry ever points at deleted bytes, whatever the moment of a
// crash), which also compacts the segments and packs below `threshold`. A Checkout of `repo`
// may stay open meanwhile and reads on (its LMDB files are then not swapped: pending_bytes).
// REQUIRES: repo opened for writing (gc holds the repository lock throughout). No
// transfer::ChunkLease may be held meanwhile (a server receiving a push holds one), dry run or not.
// Throws: Locked (a lease is held: nothing changed), InvalidArgument (threshold outside 0..1),
// Internal (read-only repo), NotFound/Corrupt
// (a reachable object is missing or broken: gc changes nothing then; run fsck), NoSpace, Io,
// Interrupted (while marking: gc changes nothing then; once it sweeps, it finishes).
GcReport gc(Repository& repo, const GcOptions& options);
inline GcReport gc(Repository& repo, bool dry_run) { return gc(repo, GcOptions{dry_run}); }

struct DropChunksReport {
  std::uint64_t chunks_dropped = 0;  // removed from the location index (were local)
  std::uint64_t stored_bytes = 0;    // their stored (compressed) bytes
  std::uint64_t chunks_staged = 0;   // asked for, but a staged sample uses them: kept
  SpaceReport space;
};

// Makes `chunks` not local: removes them from the location index and gives their disk space
// back (storage::Chunks::reclaim, compacting the segments and packs below `threshold`, as gc).
// Chunks a staged (uncommitted) sample uses are never dropped (counted in chunks_staged).
// Digests not local are ignored. The caller decides that dropping is safe (e.g. a remote holds
// the chunks: remote::drop_data); history is untouched, and every dropped chunk can be fetched
// again with the same digest. With `dry_run` nothing changes: chunks_dropped and stored_bytes
// say what would be dropped, space.compaction what reclaim would do.
// REQUIRES: repo opened for writing. A Checkout of `repo` may stay open (as for gc).
// Throws: InvalidArgument (threshold), Internal (read-only repo), NoSpace, Corrupt, Io.
DropChunksReport drop_local_chunks(Repository& repo, std::span<const Digest> chunks,
                                   double threshold = kDefaultCompactThreshold,
                                   bool dry_run = false);

}  // namespace hangar
