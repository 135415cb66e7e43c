// The Repository facade: everything a user does on one machine.
// On disk: <root>/.hangar/ holds config, lock, meta/ (LMDB: objects, refs, staging) and chunks/.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/checkout.h>
#include <hangar/chunk_fetcher.h>
#include <hangar/commit.h>
#include <hangar/diff.h>
#include <hangar/key.h>
#include <hangar/merge.h>
#include <hangar/open_mode.h>
#include <hangar/schema.h>
#include <hangar/status.h>
#include <hangar/tensor.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hangar {

struct UserIdentity {
  std::string name;
  std::string email;
};

struct BranchInfo {
  std::string name;
  Digest commit;
  bool current = false;
};

struct TagInfo {
  std::string name;  // "v1" (the ref is refs/tags/v1)
  Digest commit;
};

struct LogEntry {
  Digest digest;
  Commit commit;
};

// One sample for Repository::put_many. `tensor` does not own its bytes: they must stay valid
// for the duration of the call.
struct SampleWrite {
  Key key;
  std::optional<Key> subkey;  // nested columns only
  TensorView tensor;
};

class Repository;
namespace detail {
struct RepoState;
struct RepoAccess;  // libhangar/src/repo/repo_access.h: the library's own access, not a public API
}  // namespace detail

// Owns the repository's LMDB environments. Opened for reading (any number of processes, any
// time) or for writing (one process at a time: Write mode takes the OS lock on .hangar/lock and
// throws Locked when another writer holds it). Shared mode is for a long-lived writer that
// changes the repository now and then (a server applying pushes): it opens the repository
// writable without the lock and takes the lock around each change (lock_writer()), so other
// writers work in between; every read sees their commits. Not thread-safe for writes;
// Checkouts may be read from several threads, one Checkout per thread.
class Repository {
 public:
  using Mode = OpenMode;  // open_mode.h

  // A writer lock taken by lock_writer(); released on destruction. Must not outlive its
  // Repository. Move-only.
  class WriterLock {
   public:
    WriterLock(WriterLock&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    WriterLock& operator=(WriterLock&&) = delete;
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    ~WriterLock();

   private:
    friend class Repository;
    explicit WriterLock(detail::RepoState* state) noexcept : state_(state) {}
    detail::RepoState* state_;  // null: nothing to release (Write mode holds the lock anyway)
  };

  // Creates <path>/.hangar; on failure removes what it created (folders too), so that nothing
  // blocks a retry. `settings` go into the config file, which is written last, with the rest
  // (hangar's own keys, e.g. the clone.* marker of transfer::incomplete_clone_settings).
  // Throws: AlreadyExists, NoSpace ("no space left ..."), Io.
  static void init(const std::filesystem::path& path, const UserIdentity& user,
                   const std::map<std::string, std::string>& settings = {});
  // init(), and the new repository open for writing, each of its environments opened once (a
  // clone, which fills the repository it creates). Throws: like init().
  static Repository create(const std::filesystem::path& path, const UserIdentity& user,
                           const std::map<std::string, std::string>& settings = {});
  // The nearest directory at or above `start` holding .hangar. Throws: NotFound with an
  // InitOrLocate hint.
  static std::filesystem::path find_root(const std::filesystem::path& start);
  // Finishes an upgrade that was interrupted after its new repository was verified (upgrade.h),
  // then opens. Throws: NotFound, Locked (Write), Unsupported (storage format 1: run 'hangar
  // upgrade'; or a newer format), Corrupt, Io (an interrupted upgrade cannot be finished).
  static Repository open(const std::filesystem::path& root, Mode mode);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  ~Repository();

  const std::filesystem::path& root() const;
  // The author of the next commit: resolve_author (user_config.h) over this config.
  // Throws: InvalidArgument (no identity found; the message says how to set one).
  UserIdentity user() const;

  // Shared mode: takes the writer lock, retrying for up to `wait` while another writer holds
  // it; writes are allowed until the returned lock is destroyed. Write mode: the lock is held
  // already (the returned one releases nothing). REQUIRES: at most one WriterLock at a time.
  // Throws: Locked (still held by another writer after `wait`), Internal (Read mode), Io.
  WriterLock lock_writer(std::chrono::milliseconds wait);

  // For a child process after fork(): closes the child's copy of the writer lock's descriptor
  // (flock locks belong to the open file description, so the lock then stays the parent's and
  // ends when the parent releases it, not when the child exits). The child must abandon this
  // Repository afterwards: neither use nor destroy it, its LMDB handles are the parent's.
  void close_inherited_lock() noexcept;
  // REQUIRES Write. Stores user.name / user.email in the config.
  void set_user(const UserIdentity& user);

  // ---- configuration (.hangar/config: docs/format/repo-layout.md) ----
  // The value of `key`, nullopt when unset.
  std::optional<std::string> config_value(std::string_view key) const;
  // Every key and value, sorted by key.
  std::map<std::string, std::string> config_values() const;
  // REQUIRES Write. Sets `key` (nullopt: removes it) and saves the file atomically. Only the
  // keys a user sets by hand are accepted: user.name, user.email, user.useConfigOnly and
  // fetch.lazy (both "true" or "false"); remote.* belongs to 'hangar remote', the others to hangar
  // itself. Throws: InvalidArgument (unknown or managed key, bad value), NoSpace, Io.
  void set_config(std::string_view key, const std::optional<std::string>& value);

  // ---- lazy reads (chunk_fetcher.h) ----
  // True when config fetch.lazy is "true". open() then opens the chunk store for writing in
  // Read mode too (when the folder is writable), so a reader may store the chunks it fetches.
  bool lazy_fetch() const;
  // Installs the fetcher that reads ask for missing chunks (nullptr removes it); without one a
  // read of a sample that is not local throws NotLocal. Install before reading from other
  // threads. Typically done by hangar::remote::enable_lazy_fetch(). The fetcher's chunks are
  // stored through this Repository (verified, whole) whatever its mode; in Read mode that
  // needs lazy_fetch(): a reader that is not lazy (its chunk store is read-only) never asks the
  // fetcher, and a lazy reader of a folder it cannot write to gets NotLocal saying so.
  void set_chunk_fetcher(std::shared_ptr<ChunkFetcher> fetcher);

  // ---- refs and history ----
  std::string current_branch() const;
  std::optional<Digest> head() const;  // nullopt on an unborn branch
  // The commit a revision names, git style: a name followed by any number of steps, applied
  // left to right: "~N" the N-th first-parent ancestor, "^N" the N-th parent (N omitted: 1;
  // "~0" and "^0": the commit itself). E.g. "HEAD~2", "main^", "v1~1", "HEAD^2" (the
  // merged-in parent of a merge), "dev~2^2~1". The name is looked up in this order: "HEAD"; a
  // full ref name ("refs/heads/main", "refs/tags/v1", "refs/remotes/origin/main"); a tag or a
  // branch (a name that is both is Ambiguous: give its full ref name); a remote-tracking
  // branch ("origin/main"); a full digest or a unique hex prefix of >= 6 chars (a name wins
  // over a prefix). Names never contain '~' or '^' (branch, tag and remote name rules refuse
  // them), so the split is unambiguous. Reads one snapshot.
  // Throws: InvalidArgument (malformed: "~1", "HEAD~x", "HEAD~-1"), NotFound (unknown name;
  // a '~' past the first commit; a '^N' beyond the commit's parents), Ambiguous (listing
  // candidates), Corrupt.
  Digest resolve(std::string_view rev) const;
  std::optional<Digest> find_branch(std::string_view name) const;
  std::vector<BranchInfo> branches() const;  // sorted by name
  // Throws: Corrupt, NotFound.
  Commit get_commit(const Digest& id) const;
  // Commits reachable from `from`, newest first (by time, then digest), at most `limit`.
  std::vector<LogEntry> log(const Digest& from, std::size_t limit) const;

  // Tags (refs/tags/NAME): fixed names for commits, sorted by name.
  std::vector<TagInfo> tags() const;
  // REQUIRES Write. Tags `target` (a revision, resolve()'s forms; default HEAD) as `name`.
  // Throws: InvalidArgument (tag name rules, malformed revision), AlreadyExists (the tag
  // exists: delete it first), NotFound (target; HEAD without commits).
  Digest create_tag(std::string_view name, std::optional<std::string_view> target);
  // REQUIRES Write. Returns the commit the tag named. Throws: NotFound (no such tag).
  Digest delete_tag(std::string_view name);

  // REQUIRES Write. Throws: InvalidArgument (name rules), AlreadyExists, NotFound (start).
  void create_branch(std::string_view name, std::optional<std::string_view> start);
  // REQUIRES Write. Refuses the current branch, and (unless force) a branch whose commits are
  // not reachable from any other branch. Throws: NotFound, InvalidArgument.
  void delete_branch(std::string_view name, bool force);
  // REQUIRES Write. Moves HEAD to `branch` (ending a detached HEAD). Refuses when there is
  // staged work, unless `keep_staged` and `branch` is at the commit HEAD is at (checkout -b):
  // then the staged work stays, on the new branch.
  // Throws: NotFound (a BranchList hint), InvalidArgument (staged work).
  void checkout(std::string_view branch, bool keep_staged = false);
  // REQUIRES Write. Detaches HEAD at `commit`: a read-only checkout (commit and merge are
  // refused until a branch is checked out). Refuses when there is staged work.
  // Throws: NotFound (no such commit), InvalidArgument (staged work).
  void checkout_detached(const Digest& commit);
  // The commit HEAD is detached at; nullopt when a branch is checked out.
  std::optional<Digest> detached() const;

  // ---- reading ----
  Checkout checkout_at(const Digest& commit) const;
  // HEAD plus staged work: what the next commit will hold.
  Checkout staged_view() const;

  // ---- staging (all REQUIRE Write) ----
  // Throws: InvalidArgument (bad schema), AlreadyExists.
  void create_column(const ColumnSchema& schema);
  // Throws: NotFound.
  void delete_column(std::string_view name);
  // Stages one sample: put_many() with one sample.
  // Throws: NotFound (column), InvalidArgument (does not fit / bad key).
  void put(std::string_view column, const Key& key, const std::optional<Key>& subkey,
           const TensorView& tensor);
  // Stages many samples of one column in one step: one chunk flush, one index commit, one
  // meta transaction. All or nothing: every sample is checked (key rules, schema fit, data
  // size) before anything is written; on any error nothing is staged (a failure after the
  // chunk write leaves only unreferenced chunks, which gc drops). A key (with its subkey) given
  // twice: the last one wins, as with repeated put() calls. An empty span stages nothing (the
  // column must still exist). Memory is the caller's choice: the whole batch is held in
  // memory, chunked and compressed, until it is written (e.g. 10,000 small samples a call).
  // Throws: NotFound (column), InvalidArgument (does not fit / bad key, naming the sample).
  void put_many(std::string_view column, std::span<const SampleWrite> samples);
  // Stages a new version of an existing sample whose box at `origin` (one coordinate per
  // dimension) is replaced by `patch` (same dtype and rank). Only the chunks the box touches
  // are re-stored: the new sample shares every other chunk with the old one.
  // Throws: NotFound (column or sample), InvalidArgument (dtype or rank differs, box outside
  // the sample), NotLocal (a partly covered chunk is not local), Corrupt.
  void put_region(std::string_view column, const Key& key, const std::optional<Key>& subkey,
                  const Shape& origin, const TensorView& patch);
  // Stages deletions. Throws: NotFound (column or key, naming it; nothing staged then).
  void remove(std::string_view column, const std::vector<std::pair<Key, std::optional<Key>>>& keys);
  StatusReport status() const;
  // Commits staged work on the current branch. Throws: InvalidArgument "nothing to commit".
  Digest commit(std::string_view message);
  // Drops all staged work.
  void reset();

  // ---- diff, show, merge (diff.h, merge.h; libhangar/src/ops/diff.cc, merge.cc) ----
  // Changes from spec.from to spec.to. Commit-vs-commit walks only the record-tree pages that
  // differ; a staged side is the staging delta applied in memory to its base tree (the pages
  // the staged keys fall in), then diffed the same way. Never scans whole columns, except to
  // list the samples of a column present on one side only (counts come from the totals).
  // Throws: NotFound (a commit), Corrupt. Never NotLocal: DiffDetail::Stats leaves the stats of
  // samples whose chunks are not local unset.
  DiffResult diff(const DiffSpec& spec) const;
  // Commit metadata and per-column change counts against its first parent.
  // Throws: NotFound, Corrupt.
  ShowResult show(const Digest& commit) const;
  // The lowest common ancestors of two commits in the DAG (several for criss-cross
  // histories, none for unrelated ones), sorted by digest. Throws: NotFound, Corrupt.
  std::vector<Digest> merge_bases(const Digest& a, const Digest& b) const;
  // REQUIRES Write. Merges `revision` (a branch, a remote-tracking branch such as
  // "origin/main", a commit, "dev~2": resolve()'s forms) into the current branch (see merge.h
  // for the rules). Conflicts are a value (Kind::Conflict; nothing written); the branch moves
  // by compare-and-swap. Throws: NotFound (revision), InvalidArgument (malformed revision,
  // staged work on the current branch), Corrupt.
  MergeResult merge(std::string_view revision, const MergeOptions& options);

 private:
  explicit Repository(std::unique_ptr<detail::RepoState> state);
  std::unique_ptr<detail::RepoState> state_;
  friend struct detail::RepoAccess;
};

namespace detail {
// For `hangar upgrade` (upgrade.h), which builds the new repository next to the old one: init
// and open a repository whose folder is `dot` rather than <root>/.hangar. With `unsynced` the
// meta environment's commits are not fsynced (MDB_NOSYNC): for a repository that counts only
// once its files have been fsynced after it was closed.
void init_at(const std::filesystem::path& dot, const UserIdentity& user,
             const std::map<std::string, std::string>& settings = {});
Repository open_at(const std::filesystem::path& root, const std::filesystem::path& dot,
                   Repository::Mode mode, bool unsynced = false);
}  // namespace detail

// Validates a branch name with git's rules; throws InvalidArgument naming the rule broken.
void validate_branch_name(std::string_view name);
// Validates a tag name with the same rules; throws InvalidArgument naming the rule broken.
void validate_tag_name(std::string_view name);

}  // namespace hangar
