// The transfer engine: the sync building blocks that the remote module (pack format, HTTP,
// negotiation) needs from a repository, without any HTTP: refs, history walks, raw objects by
// digest, verified all-or-nothing object and ref writes, stored chunk bytes. Everything here is
// in-process; libhangar never sees the network. Not a public header: it is on the include path
// of the targets that link hangar_transfer (remote, the tests, the fuzzers) only, never of the
// CLI or the Python binding (decision 0021). The remote configuration the CLI uses is
// hangar/remote_config.h.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/object_type.h>
#include <hangar/remote_config.h>
#include <hangar/repository.h>
#include <hangar/sample_id.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::transfer {

// The kind of a history object, its name and its byte (object_type.h).
using hangar::ObjectType;

struct ObjectRef {
  ObjectType type;
  Digest id;
  bool operator==(const ObjectRef&) const = default;
};

// A full ref name ("refs/heads/main", "refs/remotes/origin/main") and its commit.
struct RefEntry {
  std::string name;
  Digest commit;
  bool operator==(const RefEntry&) const = default;
};

inline constexpr std::string_view kHeadsPrefix = "refs/heads/";
inline constexpr std::string_view kRemotesPrefix = "refs/remotes/";
inline constexpr std::string_view kTagsPrefix = "refs/tags/";

// ---- verification (pure functions, thread-safe) ----

// Largest canonical object accepted from a peer (pages are ~4 KiB, commits and schemas small).
inline constexpr std::uint32_t kMaxObjectBytes = 16u << 20;

// Checks that `bytes` is a well-formed object of `type` whose digest is `id`: the digest, the
// kind byte and a full validating decode. Throws: Corrupt "<type> <hex>: digest mismatch, got
// <hex>" (or naming the broken field), Unsupported (written by a newer hangar).
void verify_object(ObjectType type, const Digest& id, ByteView bytes);

// Checks that `stored` (as a chunk store keeps it: `codec`, `raw_size`) decodes to raw bytes
// whose digest is `id`. `scratch` is reused between calls; it is sized from raw_size only after
// raw_size is checked against kMaxChunkBytes and, for zstd, against the frame's own content
// size, so a lying size field cannot make it allocate. Throws: Corrupt "chunk <hex>: ...".
void verify_chunk(const Digest& id, storage::ChunkCodec codec, std::uint32_t raw_size,
                  ByteView stored, Bytes& scratch);

// ---- reading ----

// One consistent read snapshot of a repository's history (meta env). Any mode. Not
// thread-safe: one thread at a time (it may move between threads). Must not outlive its
// Repository. Views it returns live until the next call on it or its destruction.
class HistoryReader {
 public:
  // Throws: Io.
  explicit HistoryReader(const Repository& repo);
  HistoryReader(HistoryReader&&) noexcept;
  HistoryReader& operator=(HistoryReader&&) noexcept;
  ~HistoryReader();

  // Refs whose full name starts with `prefix`, sorted by name. Throws: Corrupt.
  std::vector<RefEntry> refs(std::string_view prefix) const;
  std::optional<Digest> find_ref(std::string_view full_name) const;
  // The branch HEAD names ("main"). Throws: Corrupt.
  std::string head_branch() const;

  bool has_object(const Digest& id) const;
  // True when `id` is a commit here.
  bool has_commit(const Digest& id) const;
  // The object's type and canonical bytes, or nullopt when absent. Throws: Corrupt.
  std::optional<std::pair<ObjectType, ByteView>> find_object(const Digest& id) const;

  // The commits reachable from `wants` and from none of `haves` (haves unknown here are
  // ignored), parents before children. Throws: NotFound (a want is not a commit here), Corrupt.
  std::vector<Digest> commits_between(std::span<const Digest> wants,
                                      std::span<const Digest> haves) const;
  // True when `ancestor` is `descendant` or one of its ancestors. Throws: NotFound, Corrupt.
  bool is_ancestor(const Digest& ancestor, const Digest& descendant) const;

  // The objects a receiver needs to hold `commits`: the commits, their new schemas, the record
  // pages not in their parents' trees and the descriptor objects of records that differ from
  // both parents (inline samples have none). Each object appears once. With `chunks`, also
  // appends the chunks of those new samples, inline ones included, each once (what a push
  // sends). REQUIRES: every parent of a commit in `commits` is in `commits` (earlier) or
  // already held by the receiver with all its history (what commits_between returns
  // guarantees this). Throws: NotFound, Corrupt.
  std::vector<ObjectRef> plan_history(std::span<const Digest> commits,
                                      std::vector<Digest>* chunks = nullptr) const;

  // The chunk digests of `sample`: an inline sample's chunk (none when it has no elements), or
  // those of its descriptor object. Throws: NotFound, Corrupt.
  std::vector<Digest> sample_chunks(const SampleId& sample) const;

  // Takes a fresh snapshot (sees every commit so far). Throws: Io.
  void refresh();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Stored chunk bytes, as the chunk store keeps them, for sending as they are.
struct StoredChunk {
  Digest id;
  storage::ChunkCodec codec;
  std::uint32_t raw_size;
  ByteView stored;  // valid until the next call on the ChunkSource
};

// Reads stored chunk bytes. Not thread-safe (one per thread); must not outlive its Repository.
class ChunkSource {
 public:
  explicit ChunkSource(const Repository& repo);
  ChunkSource(ChunkSource&&) noexcept;
  ChunkSource& operator=(ChunkSource&&) noexcept;
  ~ChunkSource();

  // nullopt when the chunk is not local. Throws: Corrupt, Io.
  std::optional<StoredChunk> read_stored(const Digest& id);
  // `ids` in the order their bytes lie in the chunk store, the ones not local last; reads no
  // chunk (storage::ChunkReader::in_stored_order). Throws: Corrupt, Io.
  std::vector<Digest> in_stored_order(std::span<const Digest> ids);
  // Releases held snapshots between batches.
  void release() noexcept;
  // Unmaps this process's view of the repository's memory-mapped files (history and chunks;
  // the page cache keeps them, views stay valid): a long transfer keeps one batch resident,
  // not every chunk it sent. Never throws.
  void release_mapped_pages() noexcept;
  // Call once per chunk read: release_mapped_pages() whenever what this process has resident
  // of mapped files grew by kResidentBudget since the last release (measured every 64 calls:
  // storage::lmdb::ResidentBudget). A dense read of a large store then drops its pages every
  // few MiB, and a sparse one (a page fault maps more than its chunk) no later. Never throws.
  void bound_mapped_pages() noexcept;
  static constexpr std::uint64_t kResidentBudget = std::uint64_t{8} << 20;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The digests of `ids` that are not local, in input order, each once. Throws: Corrupt, Io.
std::vector<Digest> missing_chunks(const Repository& repo, std::span<const Digest> ids);
// Every chunk stored on this repository's own disk (its location index), in digest order,
// whether or not a commit still names it. Throws: Corrupt, Io.
std::vector<Digest> local_chunk_ids(const Repository& repo);

enum class ChunkCheck { Verify, AlreadyVerified };

// Stores chunks received from a peer (as EncodedChunks: digest, codec, raw size, stored bytes)
// in one chunk-store batch: append, flush, one index commit; on failure nothing is indexed.
// With ChunkCheck::Verify each chunk is decoded and re-hashed first (AlreadyVerified: the
// caller did so with verify_chunk). Returns how many were new. REQUIRES: opened for Write.
// Throws: Corrupt (a chunk fails verification; nothing stored), Internal (read-only), NoSpace, Io.
std::size_t write_chunks(Repository& repo, std::span<const storage::EncodedChunk> chunks,
                         ChunkCheck check = ChunkCheck::Verify);

// Keeps gc away from chunks stored ahead of the history that will name them: a server stores
// a push's chunks as they arrive and moves the ref only once the whole pack has verified.
// While any lease of a repository is held, in any process, gc refuses to run (Locked), so it
// cannot collect those chunks in between. flock(LOCK_SH) on .hangar/leases; released on
// destruction, and by the kernel when the process dies. Move-only.
class ChunkLease {
 public:
  // Takes a lease, retrying for up to `wait` while a gc runs.
  // Throws: Locked (a gc still runs after `wait`), Io.
  ChunkLease(const Repository& repo, std::chrono::milliseconds wait);

 private:
  storage::ScopedFd fd_;
};

// ---- writing history ----

// An all-or-nothing import of history objects and ref updates: ONE write txn of the meta env,
// committed by commit(), aborted by the destructor. Objects are verified as they are put;
// commit() first checks that the received history is complete (every parent, schema, page and
// descriptor it references is present). Chunks are not objects: see write_chunks().
// REQUIRES: repo opened for Write; no other write through this Repository while it is open
// (LMDB allows one write txn per env). Not thread-safe. Move-only.
class ObjectWriter {
 public:
  // Throws: Internal (read-only repository), Io.
  explicit ObjectWriter(Repository& repo);
  ObjectWriter(ObjectWriter&&) noexcept;
  ObjectWriter& operator=(ObjectWriter&&) noexcept;
  ~ObjectWriter();

  // verify_object(), then stores it (idempotent). Throws: Corrupt, Unsupported, NoSpace, Io.
  void put(ObjectType type, const Digest& id, ByteView bytes);
  bool has_object(const Digest& id) const;
  // Reads see the objects and refs written so far in this txn.
  std::optional<Digest> find_ref(std::string_view full_name) const;
  bool is_ancestor(const Digest& ancestor, const Digest& descendant) const;

  // Ref names are full ("refs/heads/B", "refs/tags/T" or "refs/remotes/R/B", B a valid branch
  // name, T a valid tag name).
  // Sets `ref` to `desired` only if it now equals `expected` (nullopt: must not exist);
  // returns false, changing nothing, otherwise. Throws: InvalidArgument (bad ref name),
  // NotFound (`desired` is not a commit here).
  bool compare_and_swap_ref(std::string_view ref, const std::optional<Digest>& expected,
                            const Digest& desired);
  // Unconditional. Throws: like compare_and_swap_ref.
  void set_ref(std::string_view ref, const Digest& desired);
  // Returns false when absent.
  bool remove_ref(std::string_view ref);
  // The branch HEAD names, and whether the repository has staged (uncommitted) changes, as
  // this txn sees them. Throws: Corrupt.
  std::string head_branch() const;
  bool has_staged_changes() const;
  // Points HEAD at refs/heads/`branch`. Throws: InvalidArgument.
  void set_head_branch(std::string_view branch);

  // The chunk digests that the commits put() so far bring in, each once, in a stable order:
  // the chunks of the samples whose records differ from every parent (the chunks a pusher
  // sends, HistoryReader::plan_history). A receiver checks, before it commits, that each is
  // in the transfer or already local. Checks history completeness first.
  // Throws: Corrupt "history is incomplete: ...".
  std::vector<Digest> new_sample_chunks() const;
  // Checks completeness, then commits. Throws: Corrupt "history is incomplete: ...", NoSpace,
  // Io. After a throw nothing was written.
  void commit();
  // Objects newly stored by put() (not counting ones already present).
  std::uint64_t objects_written() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::transfer
