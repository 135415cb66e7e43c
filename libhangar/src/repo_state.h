// The repository's open state, shared by repository.cc, checkout.cc and io/.
// Private to libhangar.
#pragma once

#include <hangar/base/file_lock.h>
#include <hangar/commit.h>
#include <hangar/repository.h>
#include <hangar/schema.h>
#include <hangar/storage/chunks.h>
#include <hangar/storage/lmdb.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "config.h"
#include "descriptor.h"
#include "object_store.h"
#include "record_tree.h"
#include "refs.h"
#include "staging.h"

namespace hangar {

// A column as a view sees it: its schema and the record tree its samples start from.
struct ColumnBase {
  ColumnSchema schema;
  Digest schema_id;
  Digest root;  // all-zero: empty tree
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
};

// Staged changes of one column against its base.
struct ColumnDelta {
  StagedCounts counts;
  std::int64_t count_change = 0;
  std::int64_t nbytes_change = 0;
};

namespace detail {

struct RepoState {
  std::filesystem::path root;
  std::filesystem::path dot;  // root / ".hangar"
  Repository::Mode mode;
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

  // Columns of `commit` (none when nullopt).
  std::map<std::string, ColumnBase> commit_columns(const lmdb::Txn& txn,
                                                   const std::optional<Digest>& commit) const;
  // HEAD's columns with staged column creations / deletions applied.
  std::map<std::string, ColumnBase> staged_columns(const lmdb::Txn& txn) const;
  // Walks the staged samples of `column` against `base`.
  ColumnDelta staged_delta(const lmdb::Txn& txn, const std::string& column,
                           const ColumnBase& base) const;
  // Stages prepared samples of `column` (one chunk write, then one meta txn), in order: a
  // record key given twice ends with its last sample (nothing staged when that one equals the
  // base). When `undo` is given, appends each sample's previous staged state (nullopt: nothing
  // was staged), so that unstage() restores the state before the batch, repeated keys too.
  // REQUIRES: keys validated, samples checked against the schema.
  class Undo;
  std::size_t stage_samples(const std::string& column,
                            std::vector<std::pair<Bytes, PreparedSample>>& samples,
                            Undo* undo = nullptr);
  void unstage(const std::string& column, const Undo& undo);
  // Removes every staged sample of `column`, in transactions of a bounded number of deletes
  // (a rollback of a large import). Throws: NoSpace, Io.
  void clear_staged_samples(const std::string& column);
};

// What stage_samples() replaced, for unstage(): the record keys in staging order, packed (the
// key's bytes and 2 length bytes each: an import of 10^6 files keeps ~10 MB, not ~100 MB), and
// the previous staged state of the keys that had one (usually none).
class RepoState::Undo {
 public:
  // Appends `key` (<= kMaxRecordKeyBytes) and its staged state before the change.
  void add(ByteView key, const std::optional<StagedSample>& previous);
  struct Mark {
    std::size_t keys = 0, previous = 0;
  };
  Mark mark() const noexcept { return {keys_.size(), previous_.size()}; }
  // Forgets everything added after `m`.
  void truncate(Mark m);
  // fn(key, previous state) from the last add() to the first.
  void for_each_reverse(
      const std::function<void(ByteView, const std::optional<StagedSample>&)>& fn) const;

 private:
  Bytes keys_;
  std::vector<std::pair<std::size_t, StagedSample>> previous_;  // (end of the key in keys_, state)
};

// The commit a revision names ("HEAD", a branch, "origin/main", a digest or prefix, with ~N
// and ^N steps: revision.h), read in `txn`. Throws: InvalidArgument, NotFound, Ambiguous.
Digest resolve_revision(const RepoState& s, const lmdb::Txn& txn, std::string_view rev);

// Longest record key (key encoding + subkey encoding); see record_key().
constexpr std::size_t kMaxRecordKeyBytes = 446;

// The record key of (key, subkey) for a column of `layout`. Throws InvalidArgument when a
// subkey is given for a flat column or missing for a nested one, or when the pair encodes to
// more than kMaxRecordKeyBytes.
Bytes record_key(const ColumnSchema& schema, const Key& key, const std::optional<Key>& subkey);
std::pair<Key, std::optional<Key>> split_record_key(const ColumnSchema& schema, ByteView rk);
// "'images'/'boot/00017'" for messages.
std::string sample_name(const std::string& column, const Key& key, const std::optional<Key>& sub);

}  // namespace detail
}  // namespace hangar
