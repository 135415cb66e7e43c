// RAII over LMDB (STYLE 8.6): Env, ReadTxn, WriteTxn, Table, Cursor, Range.
// Every LMDB error is translated in one place, lmdb::check(). Used by the chunk index, the lmdb
// chunk backend and libhangar's meta/refs/staging stores. Does not expose <lmdb.h>.
//
// Rules callers rely on:
// - Keys are 1..kMaxKeySize (511) bytes, LMDB's compiled-in default; values up to ~4 GiB.
// - Views returned by get()/Cursor/Range point into the memory map and stay valid until the
//   txn that produced them commits, aborts, is reset, or (WriteTxn) writes to the same table.
// - One env directory is opened at most once per process at a time (LMDB rule: a second
//   open in the same process breaks its locks). Other processes may open it concurrently;
//   readers see consistent snapshots while one writer commits (MVCC).
// - One write txn at a time per env (LMDB serialises writers with a lock across processes).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/error.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace hangar::storage::lmdb {

inline constexpr std::size_t kMaxKeySize = 511;

// Throws the hangar::Error for an LMDB return code `rc` (no-op when rc == 0):
// MDB_MAP_FULL / ENOSPC -> NoSpace (MapFull for MDB_MAP_FULL), MDB_CORRUPTED /
// MDB_PAGE_NOTFOUND / MDB_INVALID -> Corrupt, everything else -> Io with mdb_strerror.
// `op` is the LMDB call ("mdb_put"), `context` says where ("table 'chunks' in '/r/.hangar/x'").
// MDB_NOTFOUND must be handled by the caller; it never reaches check() as an "expected" value.
void check(int rc, std::string_view op, std::string_view context);

// Thrown (as NoSpace) for MDB_MAP_FULL so Env::write() can grow the map and replay once.
class MapFull : public Error {
 public:
  using Error::Error;
};

struct EnvOptions {
  std::uint64_t map_size = std::uint64_t{1} << 40;  // 1 TiB; sparse, only address space
  unsigned max_tables = 16;                         // raised to the table count when smaller
  unsigned max_readers = 254;                       // concurrent read txns across processes
  bool no_tls = true;    // MDB_NOTLS: read txns may hop threads; several per thread
  bool no_sync = false;  // MDB_NOSYNC: commits are not fsynced (tests, scratch envs only)
  // MDB_NOMETASYNC: a commit fsyncs its data pages but not the meta page, which the next
  // commit's (or sync()'s) fsync makes durable. Keeps the env consistent after a crash but
  // may lose the last commit: callers that need one durable call sync() after it.
  bool no_meta_sync = false;
  bool read_only = false;  // MDB_RDONLY: never writes; works while another process writes
  // MDB_NOLOCK: no lock.mdb use at all (with read_only: the env's files are left exactly as
  // they are). Only when no process writes the env meanwhile: the caller excludes writers
  // otherwise (e.g. by holding the repository's writer lock).
  bool no_lock = false;
  // Env::write() may double the map on MDB_MAP_FULL. Only safe when no read txn of this env
  // is live in this process at that moment (LMDB remaps); off by default (1 TiB never fills).
  bool auto_grow = false;
};

namespace detail {
struct EnvState;  // heap-allocated so Tables and txns stay valid when an Env is moved
}

// File-backed pages resident in this process (the "shared" field of /proc/self/statm: mapped
// LMDB pages count there), in bytes; 0 where unknown. One read of a small proc file (~10 us).
std::uint64_t resident_file_bytes() noexcept;

class Env;

// Bounds what a long walk over a large env keeps mapped (decision 0014). A page fault maps
// the page and more of what the page cache holds around it (fault-around: up to 64 KiB; a
// whole large folio), so counting pages touched says little about what is resident; this
// measures it. Call step() once per unit of work (a lookup, a page read, a write): every
// `check_every` steps it reads resident_file_bytes() and, when that grew by more than `budget`
// bytes since the last release (or the first check), releases the env's mapped pages
// (Env::release_mapped_pages). An env that fits the budget stays mapped (no refaults); a larger
// one is walked through a window of about the budget. One per walk; not thread-safe.
class ResidentBudget {
 public:
  constexpr ResidentBudget(std::uint64_t budget, std::uint32_t check_every) noexcept
      : budget_(budget), check_every_(check_every) {}
  void step(const Env& env) noexcept;
  // Like step(), for callers that release by other means: true when a release is due; the
  // caller then releases and calls released().
  bool due() noexcept;
  // A release happened (step() calls it; so do commits, which release anyway).
  void released() noexcept;

 private:
  static constexpr std::uint64_t kUnset = ~std::uint64_t{0};
  std::uint64_t budget_;
  std::uint32_t check_every_;
  std::uint32_t steps_ = 0;
  std::uint64_t base_ = kUnset;  // resident file bytes after the last release
};

// A named table (LMDB "dbi"). Cheap to copy; valid while its Env lives.
class Table {
 public:
  const std::string& name() const noexcept { return *name_; }
  unsigned dbi() const noexcept { return dbi_; }

 private:
  friend class Env;
  Table(unsigned dbi, const std::string* name) : dbi_(dbi), name_(name) {}
  unsigned dbi_;
  const std::string* name_;
};

struct Entry {
  ByteView key;
  ByteView value;
};

class Cursor;

// What ReadTxn and WriteTxn share: reads. Not constructible on its own; move-only.
// A txn is used by one thread at a time (with no_tls it may move between threads).
class Txn {
 public:
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The value at `key`, or nullopt. View valid until the txn ends / is reset / writes `table`.
  // Throws: InvalidArgument (key empty or > kMaxKeySize), Corrupt, Io.
  std::optional<ByteView> get(const Table& table, ByteView key) const;
  // Number of entries in `table` (mdb_stat, O(1)). Throws: Io.
  std::uint64_t count(const Table& table) const;
  // A cursor over `table`; must not outlive this txn. Throws: Io.
  Cursor cursor(const Table& table) const;

  bool is_active() const noexcept { return txn_ != nullptr; }
  MDB_txn* handle() const noexcept { return txn_; }
  // "table 'x' in '<env path>'" for messages.
  std::string where(const Table& table) const;

 protected:
  Txn(MDB_txn* txn, const detail::EnvState* env) noexcept : txn_(txn), env_(env) {}
  Txn(Txn&& o) noexcept;
  Txn& operator=(Txn&& o) noexcept;
  ~Txn() = default;
  void require_active(std::string_view op) const;

  MDB_txn* txn_;
  const detail::EnvState* env_;
  bool reset_ = false;  // ReadTxn only: reset() called, renew() pending
};

// A read-only snapshot. Destructor aborts. Move-only.
class ReadTxn : public Txn {
 public:
  ReadTxn(ReadTxn&&) noexcept = default;
  ReadTxn& operator=(ReadTxn&& o) noexcept;
  ~ReadTxn();

  // Releases the snapshot but keeps the reader slot (cheap); views die. Then call renew().
  void reset() noexcept;
  // Takes a fresh snapshot after reset(). Throws: Io.
  void renew();
  // reset() + renew(): see everything committed so far. Throws: Io.
  void refresh();
  bool is_reset() const noexcept { return reset_; }

 private:
  friend class Env;
  using Txn::Txn;
};

// The (single) write txn of an env. Destructor aborts. Move-only. One thread only.
class WriteTxn : public Txn {
 public:
  WriteTxn(WriteTxn&&) noexcept = default;
  WriteTxn& operator=(WriteTxn&& o) noexcept;
  ~WriteTxn();

  // Inserts or replaces. Throws: InvalidArgument (key size), NoSpace/MapFull, Corrupt, Io.
  void put(const Table& table, ByteView key, ByteView value);
  // Inserts unless `key` exists; returns false (and changes nothing) when it does.
  bool put_if_absent(const Table& table, ByteView key, ByteView value);
  // MDB_RESERVE: makes room for `size` bytes at `key` and returns it for the caller to fill
  // before the next write on this txn or commit. Throws: like put().
  MutableByteView put_reserve(const Table& table, ByteView key, std::size_t size);
  // Returns false when `key` was absent. Throws: Corrupt, Io.
  bool del(const Table& table, ByteView key);
  // Deletes every entry of `table` (keeps the table). Throws: Io.
  void clear(const Table& table);

  // Makes all writes durable (unless no_sync) and ends the txn, even when it throws.
  // Throws: NoSpace/MapFull, Corrupt, Io.
  void commit();
  // Discards all writes; idempotent.
  void abort() noexcept;

 private:
  friend class Env;
  using Txn::Txn;
};

// A cursor owned by a txn scope (must not outlive it). Move-only.
class Cursor {
 public:
  Cursor(Cursor&& o) noexcept;
  Cursor& operator=(Cursor&& o) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  // Positioning; each returns the entry now under the cursor, or nullopt past the end.
  // Views follow the txn's rules. Throws: Corrupt, Io.
  std::optional<Entry> first();
  std::optional<Entry> last();
  std::optional<Entry> seek(ByteView key);  // first entry with key >= `key`
  std::optional<Entry> next();
  std::optional<Entry> prev();

 private:
  friend class Txn;
  Cursor(MDB_cursor* cursor, std::string where) noexcept
      : cursor_(cursor), where_(std::move(where)) {}
  std::optional<Entry> move(int op, ByteView key);
  MDB_cursor* cursor_;
  std::string where_;
};

// Forward iteration over a key range: `for (auto [key, value] : range(txn, table, lo, hi))`.
// Owns its cursor and copies of the bounds; must not outlive the txn.
class Range {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    Entry operator*() const { return *current_; }
    const Entry* operator->() const { return &*current_; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const noexcept { return !current_.has_value(); }

   private:
    friend class Range;
    Iterator(Range* range, std::optional<Entry> current);
    Range* range_;
    std::optional<Entry> current_;
  };

  Iterator begin();
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend Range range(const Txn&, const Table&, ByteView, std::optional<ByteView>);
  friend Range prefix_range(const Txn&, const Table&, ByteView);
  Range(Cursor cursor, Bytes lo, std::optional<Bytes> hi, bool prefix)
      : cursor_(std::move(cursor)), lo_(std::move(lo)), hi_(std::move(hi)), prefix_(prefix) {}
  std::optional<Entry> bounded(std::optional<Entry> e) const;
  Cursor cursor_;
  Bytes lo_;
  std::optional<Bytes> hi_;
  bool prefix_;
};

// Entries with lo <= key < hi (hi absent: to the end; lo empty: from the start), key order
// (lexicographic bytes). Throws: Io.
Range range(const Txn& txn, const Table& table, ByteView lo = {},
            std::optional<ByteView> hi = std::nullopt);
// Entries whose key starts with `prefix`. Throws: Io.
Range prefix_range(const Txn& txn, const Table& table, ByteView prefix);

// An LMDB environment (a directory holding data.mdb + lock.mdb). Move-only. Thread-safe for
// beginning txns; grow_map() needs no live txns in this process.
class Env {
 public:
  // Opens (creating unless read_only) the env in directory `dir` and every table in `tables`,
  // once, in one write txn (read_only: one read txn; the tables must exist).
  // Throws: NotFound (read_only and no env/table), NoSpace, Corrupt, Io.
  static Env open(const std::filesystem::path& dir, const std::vector<std::string>& tables,
                  const EnvOptions& options = {});

  Env(Env&&) noexcept;
  Env& operator=(Env&&) noexcept;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env();

  // The handle opened at open(). Throws: Internal when `name` was not in the open() list.
  Table table(std::string_view name) const;

  // Handles MDB_MAP_RESIZED (another process grew the map) by adopting it and retrying once.
  // Throws: Io (e.g. MDB_READERS_FULL), Corrupt.
  ReadTxn begin_read() const;
  // Blocks while another thread/process holds the write txn.
  // Throws: Internal (read-only env: a bug), NoSpace, Io.
  WriteTxn begin_write();
  // Runs fn in a write txn and commits. On MDB_MAP_FULL: with options.auto_grow, aborts,
  // doubles the map and replays fn once (fn must be replayable); otherwise, or if it still
  // does not fit, NoSpace with a hint. Throws: NoSpace, Corrupt, Io, and whatever fn throws.
  void write(const std::function<void(WriteTxn&)>& fn);

  // Flushes buffers to disk (needed with no_sync, and with no_meta_sync to make the last
  // commit durable). Throws: Io.
  void sync();
  // Unmaps this process's resident pages of the env's file (madvise MADV_DONTNEED): they stay
  // in the page cache and fault back in when read, so views stay valid. Bounds the resident
  // set of a process that reads a whole large env (page-cache pages count in its RSS).
  // Write txns call it themselves at commit and, through a ResidentBudget of 8 MiB, while they
  // put and delete, so a long import keeps only a few MiB of a large env resident; readers of
  // large values (chunk segments) call it per bytes served. Thread-safe; cheap when little is
  // mapped. Never throws (a failure only keeps the pages).
  void release_mapped_pages() const noexcept;
  // REQUIRES: no live txn of this env in this process. Throws: Io.
  void grow_map(std::uint64_t new_size);
  // Writes a compacted copy of the env's newest snapshot (mdb_env_copyfd2 with MDB_CP_COMPACT:
  // only live pages, renumbered, so the copy has no free pages) to the new file `file` and
  // fsyncs it. The env stays usable (the copy runs in a read txn). For Chunks::reclaim, which
  // renames the copy over data.mdb when no process has the env open.
  // Throws: AlreadyExists (file exists), NoSpace, Io.
  void copy_compact(const std::filesystem::path& file) const;
  std::uint64_t map_size() const;
  // Bytes of the data file that hold live pages at the newest snapshot: (last page + 1 - pages
  // on LMDB's free list) * page size. The file size minus this is what copy_compact() would
  // give back to the OS. Throws: Corrupt, Io.
  std::uint64_t live_bytes() const;
  bool is_read_only() const noexcept;
  const std::filesystem::path& path() const noexcept;
  MDB_env* handle() const noexcept;

 private:
  explicit Env(std::unique_ptr<detail::EnvState> state) noexcept;
  std::unique_ptr<detail::EnvState> state_;
};

}  // namespace hangar::storage::lmdb
