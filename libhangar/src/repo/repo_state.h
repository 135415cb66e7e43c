// The repository's open state: its LMDB environment, object, ref and staging stores, chunk store
// and lazy-read fetcher, and the object loads every part of libhangar makes. Private to
// libhangar. What is built on it has headers of its own, so that a change there recompiles only
// its users: column_view.h (a commit's or the staged columns), stage_batch.h (staging prepared
// samples), record_key.h (record keys).
#pragma once

#include <hangar/base/file_lock.h>
#include <hangar/chunk_fetcher.h>
#include <hangar/commit.h>
#include <hangar/open_mode.h>
#include <hangar/schema.h>
#include <hangar/storage/chunks.h>
#include <hangar/storage/lmdb.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "model/descriptor.h"
#include "repo/config.h"
#include "repo/object_store.h"
#include "repo/refs.h"
#include "repo/staging.h"

namespace hangar::detail {

struct RepoState {
  std::filesystem::path root;
  std::filesystem::path dot;  // root / ".hangar"
  OpenMode mode;
  RepoConfig config;
  std::optional<storage::RepoLock> lock;
  lmdb::Env meta;
  MetaStore objects;
  RefStore refs;
  Staging staging;
  storage::Chunks chunks;
  // Lazy reads (chunk_fetcher.h): asked for missing chunks; null unless installed.
  std::shared_ptr<ChunkFetcher> fetcher;
  // Serializes the chunk writes of fetched chunks (Chunks::write: one writer thread).
  mutable std::mutex fetch_mutex;
  // Descriptor objects read so far (load_descriptor): a statistic, so that tests can check
  // that samples held inline are read, summed up, diffed and checked without one.
  mutable std::atomic<std::uint64_t> descriptor_loads{0};

  // Throws Internal unless opened for writing.
  void require_write() const;
  // Chunk leases (transfer::ChunkLease) hold flock(LOCK_SH) on it; gc, LOCK_EX.
  std::filesystem::path leases_file() const { return dot / "leases"; }
  // True when referenced chunks may be absent here: a clone (clone.remote set), a repository
  // with a remote (drop-data drops only what a remote holds), or one that reads lazily (a
  // fetcher installed, fetch.lazy set). Otherwise every chunk a record references is local
  // (fsck reports one that is not as damage).
  bool may_lack_chunks() const;
  // Fetches `missing` (chunk digests not local) through `fetcher` and stores them; false when
  // no fetcher is installed, or the chunk store is read-only and fetch.lazy is not set.
  // Throws: like ChunkFetcher::fetch; NotLocal (lazy, but the chunk store is read-only).
  bool fetch_chunks(std::span<const Digest> missing) const;

  std::optional<Digest> head(const lmdb::Txn& txn) const;
  Commit load_commit(const lmdb::Txn& txn, const Digest& id) const;
  ColumnSchema load_schema(const lmdb::Txn& txn, const Digest& id) const;
  Descriptor load_descriptor(const lmdb::Txn& txn, const Digest& id) const;
  // The descriptor `sample` stands for: built from an inline sample (no lookup), else the
  // descriptor object. Throws: NotFound, Corrupt.
  Descriptor descriptor_of(const lmdb::Txn& txn, const SampleId& sample) const;
};

// The commit a revision names ("HEAD", a branch, "origin/main", a digest or prefix, with ~N
// and ^N steps: revision.h), read in `txn`. Throws: InvalidArgument, NotFound, Ambiguous.
Digest resolve_revision(const RepoState& s, const lmdb::Txn& txn, std::string_view rev);

}  // namespace hangar::detail
