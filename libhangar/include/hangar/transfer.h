// The sync building blocks that the remote module (pack format, HTTP, negotiation) needs from a
// repository, without any HTTP: refs, history walks, raw objects by digest, verified
// all-or-nothing object and ref writes, stored chunk bytes, and the remote configuration.
// Everything here is in-process; libhangar never sees the network.
#pragma once

#include <hangar/error.h>
#include <hangar/object_type.h>
#include <hangar/repository.h>
#include <hangar/sample_id.h>
#include <hangar/storage/bytes.h>
#include <hangar/storage/codec.h>
#include <hangar/storage/digest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::transfer {

// The kind of a history object (object_type.h).
using hangar::ObjectType;

// "commit", "schema", "sample descriptor", "leaf page", "internal page".
std::string_view object_type_name(ObjectType type) noexcept;
// nullopt for a byte that is not an object type.
std::optional<ObjectType> object_type_from_byte(std::uint8_t value) noexcept;

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
  // Releases held snapshots between batches.
  void release() noexcept;
  // Unmaps this process's view of the repository's memory-mapped files (history and chunks;
  // the page cache keeps them, views stay valid): a long transfer keeps one batch resident,
  // not every chunk it sent. Never throws.
  void release_mapped_pages() noexcept;

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

// ---- remotes (the .hangar/config keys remote.NAME.url, remote.NAME.insecure, clone.remote) ----

struct RemoteInfo {
  std::string name;
  std::string url;        // http[s]://host:port[/path], s3://bucket/prefix, or an absolute path
  bool insecure = false;  // https:// without verifying the server's certificate
};

// Throws InvalidArgument unless `name` matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}.
void validate_remote_name(std::string_view name);
// Sorted by name.
std::vector<RemoteInfo> remotes(const Repository& repo);
std::optional<std::string> find_remote_url(const Repository& repo, std::string_view name);
// The URL of remote `name` of the repository at `root` (Repository::root()) as its config
// file says now; find_remote_url answers from the config read at open, and another process
// may have run 'hangar remote set-url' since. nullopt when the remote is gone.
// Throws: NotFound, Io, Corrupt (a malformed config file).
std::optional<std::string> current_remote_url(const std::filesystem::path& root,
                                              std::string_view name);
// REQUIRES Write. Throws: InvalidArgument (name or empty url), AlreadyExists, Io.
void add_remote(Repository& repo, std::string_view name, std::string_view url);
// Points an existing remote at another URL (a server that moved), keeping its remote-tracking
// refs and the clone's link to it. REQUIRES Write. Throws: NotFound (listing remotes),
// InvalidArgument (empty url), Io.
void set_remote_url(Repository& repo, std::string_view name, std::string_view url);
// Also deletes its remote-tracking refs. REQUIRES Write. Throws: NotFound (listing remotes), Io.
void remove_remote(Repository& repo, std::string_view name);
// Whether connections to remote `name` skip the TLS certificate checks (remote.NAME.insecure,
// set by 'hangar remote add|set-url --insecure' and 'hangar clone --insecure'); false for an
// unknown remote.
bool is_remote_insecure(const Repository& repo, std::string_view name);
// Sets or clears remote.NAME.insecure. REQUIRES Write. Throws: NotFound (listing remotes), Io.
void set_remote_insecure(Repository& repo, std::string_view name, bool insecure);
// Records that this repository was cloned from remote `name` (clone.remote). REQUIRES Write.
void set_clone_remote(Repository& repo, std::string_view name);
// Records that this repository's chunk data lives in the object store `url` (store.url; a
// server started with --store, decision 0016): its chunks are then not taken for local.
// REQUIRES Write. Throws: Io.
void set_store_url(Repository& repo, std::string_view url);
// The remote a 'hangar fetch-data' hint should name: clone.remote, else the only remote,
// else "origin".
std::string default_remote(const Repository& repo);
// ---- an interrupted clone (the .hangar/config keys clone.incomplete and clone.selection) ----
// A clone writes these keys with the repository's first config (Repository::init), before any
// history or data arrives, and removes them once everything it selected is local: a clone that
// died on the way (kill -9, power loss) stays marked, and status, summary and export say so.
// A finished partial clone (a data selection, --no-data, --lazy) is complete: it is not marked.

struct IncompleteClone {
  std::string url;        // what the clone copies (clone.incomplete)
  std::string remote;     // its remote here: clone.remote, else "origin"
  std::string selection;  // the clone's data selection as the remote module encodes it
};

// The config settings that mark a clone of `url` unfinished.
std::map<std::string, std::string> incomplete_clone_settings(std::string_view url,
                                                             std::string_view selection);
// nullopt when the repository is not an unfinished clone.
std::optional<IncompleteClone> incomplete_clone(const Repository& repo);
// What to do about it: a CompleteClone hint (fetch the data from clone.remote, or run the same
// clone again).
Hint complete_clone_hint(const Repository& repo, const IncompleteClone& clone);
// The clone is complete: removes the marker. REQUIRES Write. Throws: NoSpace, Io.
void finish_clone(Repository& repo);

// Remote-tracking branches as "R/B" (e.g. "origin/main"), sorted; all remotes when `remote`
// is empty. `current` is always false.
std::vector<BranchInfo> remote_branches(const Repository& repo, std::string_view remote = {});

}  // namespace hangar::transfer
