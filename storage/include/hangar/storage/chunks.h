// Chunks: the facade the model layer uses to store and read chunk bytes by digest, over the
// location index and the chunk backends. Layout under chunks_dir (<repo>/.hangar/chunks):
//   index/  location index env      segments/  "l1" backend env (where small chunks go)
//   lmdb/   "l0" backend env (read; written only when asked)      hdf5/  "h0" pack files
#pragma once

#include <hangar/base/codec.h>
#include <hangar/base/compaction.h>
#include <hangar/base/digest.h>
#include <hangar/storage/chunk_store.h>
#include <hangar/storage/location_index.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hangar::storage {

class ChunkReader;

// What Chunks::reclaim did. Disk figures are bytes allocated on disk (st_blocks) under the
// chunks directory, like `du`.
struct ReclaimReport {
  std::uint64_t chunks_removed = 0;        // index entries removed
  std::uint64_t stored_bytes_removed = 0;  // their stored (compressed) bytes
  std::uint64_t chunks_moved = 0;          // live chunks copied out of partly dead containers
  std::uint64_t containers_deleted = 0;    // l1 segments and h0 pack files deleted
  std::uint64_t disk_bytes_before = 0;
  std::uint64_t disk_bytes_after = 0;
  bool compacted = false;  // the LMDB files were swapped for compacted copies
  // Free LMDB pages not given back to the OS because another process has the chunk store
  // open (they are reused by later writes; a later reclaim returns them).
  std::uint64_t pending_bytes = 0;
  bool recovered = false;      // a crashed reclaim's journal was found and finished first
  CompactionStats compaction;  // this reclaim's plan, carried out (recovery work not included)
};

// Owns the index and the open backends. Move-only.
// Thread-safety: write() from one thread at a time (the repository's single writer);
// contains/missing/find/stats/reader() from any thread, concurrently with write().
class Chunks {
 public:
  // Opens the chunk store; creates directories and envs unless read_only.
  // Throws: NotFound (read_only and no chunk store), Corrupt, Io.
  static Chunks open(const std::filesystem::path& chunks_dir, bool read_only);
  // For tests and tools: like open(false) but `backend` replaces the backend with its code().
  static Chunks open_with_backend(const std::filesystem::path& chunks_dir,
                                  std::unique_ptr<ChunkStore> backend);

  Chunks(Chunks&&) noexcept;
  Chunks& operator=(Chunks&&) noexcept;
  ~Chunks();

  // Stores the chunks not yet indexed (dedup against the index, the staged chunks and within
  // the batch) in `backend`, in this order: append all, flush every backend holding staged or
  // appended chunks, then ONE index commit of these and all staged chunks. If any step throws,
  // the index is unchanged and the staged chunks are dropped (their bytes remain as
  // unreferenced garbage for gc). Returns how many chunks became local, staged ones included.
  // Failpoints (docs/failpoints.md): "chunks-flushed" between the flush and the index commit,
  // "chunks-indexed" after it.
  // Throws: InvalidArgument (raw_size > kMaxChunkBytes, Raw with stored != raw_size),
  //         Unsupported (unknown backend), Internal (read-only), NoSpace, Io, Corrupt.
  std::size_t write(std::span<const EncodedChunk> chunks,
                    BackendCode backend = BackendCode::LmdbSegments);

  // For a long writer such as import: appends the chunks not yet local to `backend` now (the
  // caller may free its copies) but indexes them only at the next write()/commit_staged(), so
  // a run of stage() calls costs one flush and one index commit in all. Staged chunks are not
  // local: readers and contains() do not see them. Backends hold appended bytes in memory until
  // write_back() (or the commit). Returns how many chunks were newly staged. On failure the
  // chunks staged since the last write_back() are dropped. Throws: like write().
  std::size_t stage(std::span<const EncodedChunk> chunks,
                    BackendCode backend = BackendCode::LmdbSegments);
  // ChunkStore::write_back() of every backend staged to since the last call: the bytes leave
  // memory, not yet durable. Throws: NoSpace, Io (then every staged chunk is dropped).
  void write_back();
  // write() with no new chunks: makes the staged chunks durable and local. Throws: like write().
  std::size_t commit_staged();
  // Forgets the staged chunks (their bytes become unreferenced garbage).
  void discard_staged() noexcept;

  // Removes `dead` from the index and gives disk space back (decision 0010 for the mechanism,
  // 0013 for the threshold), in this order; a crash at any point, kill -9 included, leaves an
  // index that points only at existing bytes, and loses no indexed chunk:
  //   0. a journal left by a crashed reclaim is finished first (below)
  //   1. plan (one index snapshot + every l1/h0 container, see CompactionStats): containers
  //      whose chunks are all dead are *emptied*; those whose live fraction after the drop is
  //      below `threshold` are *compacted*; other partly dead ones are kept (a later reclaim
  //      takes them once more of their chunks die, or with a higher threshold)
  //   2. journal: the emptied and compacted containers, written atomically
  //   3. ONE index commit removing the dead digests        (now nothing points at their bytes)
  //   4. copy the live chunks of the compacted containers into new ones; flush (durable)
  //   5. journal += the new containers
  //   6. ONE index commit moving the live chunks to their copies (only where unchanged)
  //   7. delete the journaled old containers that no index entry points into (checked, not
  //      assumed), and the l0 values of dead l0 chunks; delete the journal
  //   8. only when open.lock can be taken exclusively without waiting (no other open file
  //      description holds it: no other process has the store open, so none is writing):
  //      a. garbage: every container no index entry points into, listed again under the lock,
  //         is deleted (a crashed writer's, or copies of a reclaim that crashed in step 4)
  //      b. unless a ChunkReader of this Chunks is alive: every LMDB env with free pages (or a
  //         file longer than its pages) is copied compacted (mdb_env_copyfd2, MDB_CP_COMPACT) to
  //         <env>/data.mdb.compact and fsynced; this Chunks closes its envs; each copy is
  //         renamed over data.mdb (atomic: old or new file, same content); the directory is
  //         fsynced; the envs are reopened.
  //      Otherwise the freed pages stay in the files for LMDB to reuse and pending_bytes says
  //      how many (garbage containers stay until a later reclaim).
  // A crash before a rename leaves the old env intact (and a *.compact file, deleted by the
  // next reclaim); after it, the new one. A journal left by a crash is finished by the next
  // reclaim, before anything else: each listed container that no index entry points into is
  // deleted, and the listed old containers still referenced are rewritten as in 4-7. Until
  // then the crash costs only disk space, never a dangling location.
  // Other processes may read and append meanwhile: only containers that hold (or held, in
  // step 1) indexed chunks are touched outside step 8a — complete, never appended to again —
  // and a reader whose index snapshot still names a moved chunk's old place looks it up again
  // in the newest index (ChunkReader::read; an h0 pack it has open stays readable until it
  // closes it, an l1 segment until its LMDB snapshot ends).
  // Digests not indexed are ignored; reclaim({}) finishes a crashed reclaim, compacts the
  // containers below the threshold and returns free pages (gc and drop-data call it even with
  // nothing to drop). Failpoints (failpoint.h), in order: "reclaim-journaled",
  // "reclaim-unindexed", "reclaim-copy-written" (copies handed to the backends, not durable nor
  // journaled), "reclaim-copied", "reclaim-relocated", "reclaim-deleted", "reclaim-swept",
  // "reclaim-compact-copied", "reclaim-compact-swapped".
  // REQUIRES: writable; the caller holds the repository writer lock (one reclaim at a time);
  // nothing staged; 0 <= threshold <= 1.
  // Throws: InvalidArgument (threshold), Internal (read-only, staged chunks), NoSpace, Corrupt,
  // Io. After a throw the index is consistent, and the next reclaim finishes the work.
  ReclaimReport reclaim(std::span<const Digest> dead, double threshold = kDefaultCompactThreshold);
  // Lays the location index out in key order again: step 8b of reclaim() for the index alone
  // (the same conditions, crash safety and failpoints). Chunk digests are random, so inserts
  // leave the index's leaves scattered over its file, and the digest-ordered lookups of a
  // whole-column read (ChunkReader::find_many) then fault a page per leaf and batch instead of
  // reading the file forward (10^6 samples: 3x the CPU time; decision 0014). The copy costs
  // about a second per 150 MB of index (10^6 chunks). Returns true when it compacted; false,
  // changing nothing, when another process has the store open or a ChunkReader of this Chunks
  // is alive. REQUIRES: like reclaim(). Throws: Internal (read-only, staged chunks), NoSpace,
  // Io.
  bool compact_index();
  // What reclaim(dead, threshold) would do (step 1), changing nothing; for --dry-run. Works on a
  // read-only store too. Throws: InvalidArgument (threshold), Corrupt, Io.
  CompactionStats plan_reclaim(std::span<const Digest> dead,
                               double threshold = kDefaultCompactThreshold) const;
  // Bytes allocated on disk under the chunks directory (st_blocks, like du). Throws: Io.
  std::uint64_t disk_bytes() const;

  // Throws: Corrupt, Io.
  bool contains(const Digest& digest) const;
  // The digests of `digests` that are not local, in input order (duplicates kept once).
  std::vector<Digest> missing(std::span<const Digest> digests) const;
  std::optional<ChunkLocation> find(const Digest& digest) const;
  ChunkStats stats() const;

  // A reader for one thread; must not outlive this Chunks. While one is alive, reclaim()
  // leaves the LMDB files as they are (the swap would reopen the envs under it). Throws: Io.
  ChunkReader reader() const;
  // Unmaps this process's view of the index and of every open backend's mapped files
  // (lmdb::Env::release_mapped_pages): bounds the resident set of a long read. Never throws.
  void release_mapped_pages() const noexcept;

  // fsck: checks every indexed chunk with ChunkStore::verify (present, right size) and, when
  // `rehash`, decodes it and re-hashes it with its digest (ReadCheck::Digest). Returns the
  // digests that failed, with a one-line reason. What it maps of the index stays within a
  // lmdb::ResidentBudget (ChunkReader's); the backends' containers are visited in digest order
  // and stay mapped. `progress`, when set, is called with (stored bytes checked, stored bytes
  // indexed) every few chunks and at the end. Throws: Io, Interrupted (checked between chunks).
  std::vector<std::pair<Digest, std::string>> verify_all(
      bool rehash,
      const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {}) const;

  LocationIndex& index() noexcept;
  const LocationIndex& index() const noexcept;
  const std::filesystem::path& dir() const noexcept;
  bool is_read_only() const noexcept;

  struct State;  // private; public only so ChunkReader can hold it

 private:
  explicit Chunks(std::unique_ptr<State> state) noexcept;
  std::size_t append_new(std::span<const EncodedChunk> chunks, BackendCode backend);
  void drop_unwritten() noexcept;
  // reclaim() step 8b for `envs` (open.lock held exclusively; downgraded before it returns or
  // throws): copy compacted, close, rename, reopen.
  void swap_in_compacted(const std::vector<const lmdb::Env*>& envs);
  std::unique_ptr<State> state_;
};

// What ChunkReader::read checks. Every chunk that came from outside (push, fetch, clone, lazy
// reads) was re-hashed with its digest before it was stored, and import computed the digest
// from the bytes; what a read must catch is damage since (disk, a bug), which the location's
// XXH3-64 checksum of the stored bytes does at ~10x the speed of re-hashing with SHA-256
// (docs/decisions/0012-cryptographic-digests.md).
enum class ReadCheck {
  Checksum,  // the location's checksum of the stored bytes (the digest when it has none)
  Digest,    // re-hash the decoded bytes with digest_of (fsck --rehash)
};

// A per-thread chunk reader: keeps LMDB read txns open between reads for speed (so it sees a
// snapshot; a missing digest triggers one automatic refresh). Holds one LMDB reader slot per
// env it reads (254 per env in total): call release() when idle. Not thread-safe; move-only;
// must not outlive its Chunks.
class ChunkReader {
 public:
  ChunkReader(ChunkReader&&) noexcept;
  ChunkReader& operator=(ChunkReader&&) noexcept;
  ~ChunkReader();

  // nullopt = not local. Throws: Corrupt, Io.
  std::optional<ChunkLocation> find(const Digest& digest);
  std::optional<std::uint32_t> raw_size(const Digest& digest);

  // find() of many digests, looked up in digest order: the index is a B-tree keyed by digest,
  // so sorted lookups visit its pages in key order, each once per call, where lookups in the
  // callers' order (a column's record order) land anywhere in the file; in a compacted index
  // (pages in key order) they read it forward. What the lookups map of the index stays within a
  // lmdb::ResidentBudget of kReleaseBytes (checked every kLookupsPerCheck lookups), so checking
  // or reading a whole column keeps about that much of even a very large index resident, while
  // an index that fits stays mapped. Returns one entry per digest, in input order.
  // Throws: Corrupt, Io.
  std::vector<std::optional<ChunkLocation>> find_many(std::span<const Digest> digests);
  // `digests` in the order their bytes lie in the store (backend, then ChunkStore::place_of),
  // found with find_many() without reading a chunk; those not local last, in input order. A
  // reader of many chunks that reads them in this order goes through each file front to back.
  // Throws: Corrupt, Io.
  std::vector<Digest> in_stored_order(std::span<const Digest> digests);
  static constexpr std::uint64_t kReleaseBytes = std::uint64_t{8} << 20;
  static constexpr std::uint32_t kLookupsPerCheck = 64;
  // Looks `digests` up with find_many() and keeps their locations, so that the next reads of
  // them look nothing up (a batch of a whole-column read). Replaces what an earlier prefetch
  // kept; refresh() and release() forget it (after a read that followed a moved chunk, the
  // rest of the batch is looked up one by one). Throws: Corrupt, Io.
  void prefetch(std::span<const Digest> digests);

  // Decodes the chunk into `out` (out.size() must equal its raw_size) and checks it (`check`);
  // zero-copy from the LMDB map where the backend allows. When the backend no longer has the
  // chunk where this reader's snapshot says (a reclaim moved it), looks it up again in the
  // newest index and reads it there.
  // Throws: NotLocal "chunk <hex> is not local", InvalidArgument (out size),
  //         Corrupt "chunk <hex>: checksum mismatch ..." / "chunk <hex>: digest mismatch, got
  //         <hex>" (or a decode/size problem), Unsupported (chunk from a newer backend), Io.
  void read(const Digest& digest, MutableByteView out, ReadCheck check = ReadCheck::Checksum);
  // Convenience: a new buffer of raw_size bytes. Throws: like read().
  Bytes read(const Digest& digest);

  // The stored (possibly compressed) bytes, NOT verified; the view is valid until the next call
  // on this reader. For sending chunks to a remote as they are. Throws: NotLocal, Corrupt, Io.
  std::pair<ChunkLocation, ByteView> read_stored(const Digest& digest);
  // read_stored() at `found`, what find(digest) returned (no second lookup).
  std::pair<ChunkLocation, ByteView> read_stored(const Digest& digest, ChunkLocation found);

  // See every write committed so far. Throws: Io.
  void refresh();
  // Releases held snapshots between batches (lets the writer reuse pages); the next call
  // takes fresh ones.
  void release() noexcept;

 private:
  friend class Chunks;
  explicit ChunkReader(const Chunks::State* chunks);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::storage
