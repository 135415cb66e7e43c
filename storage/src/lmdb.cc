// LMDB RAII wrappers and the one LMDB error translation point (check()).
#include <fcntl.h>
#include <hangar/error.h>
#include <hangar/storage/lmdb.h>
#include <lmdb.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "lmdb_space.h"

namespace hangar::storage::lmdb {

namespace {
// What a write txn keeps mapped between two commits. A put or delete descends the B-tree
// through the map, and the page fault of a leaf also maps what the page cache holds around it
// (fault-around, large folios), which stays resident; the txn's own changes live in dirty pages
// on the heap. So a large write txn or a long import would map most of a large env. Releasing
// whenever the resident file pages grew by 8 MiB (checked every 256 writes) keeps about that
// much mapped, and keeps an env that fits mapped: releasing every 256 writes, as before,
// refaulted the hot upper B-tree pages over and over (7% of the CPU time of an import of 10^5
// or 10^6 small images, decision 0014).
constexpr std::uint64_t kWriteResidentBudget = std::uint64_t{8} << 20;
constexpr std::uint32_t kWritesPerCheck = 256;

}  // namespace

namespace detail {
struct EnvState {
  MDB_env* env = nullptr;
  std::filesystem::path path;
  bool read_only = false;
  bool auto_grow = false;
  // unique_ptr keeps each name's address stable for Table::name_.
  std::vector<std::unique_ptr<std::string>> names;
  std::vector<MDB_dbi> dbis;
  // Puts and deletes through this env's write txn (see note_write): one at a time.
  mutable ResidentBudget write_budget{kWriteResidentBudget, kWritesPerCheck};
  // Where data.mdb is mapped, found once in /proc/self/maps (LMDB does not say); 0 when not
  // known yet. mdb_env_set_mapsize may move the map: call it through set_map_size() only.
  mutable std::mutex map_mu;
  mutable std::uintptr_t map_lo = 0, map_hi = 0;

  // mdb_env_set_mapsize (0: adopt the size another process set), holding map_mu so that no
  // release runs on the old address range while the map moves. Throws: Io.
  void set_map_size(std::size_t size) const;

  EnvState() = default;
  EnvState(const EnvState&) = delete;
  EnvState& operator=(const EnvState&) = delete;
  ~EnvState() {
    if (env != nullptr) mdb_env_close(env);
  }
  std::string where() const { return "lmdb env '" + path.string() + "'"; }
};
}  // namespace detail

namespace {

MDB_val to_val(ByteView b) noexcept { return MDB_val{b.size(), const_cast<std::byte*>(b.data())}; }
ByteView from_val(const MDB_val& v) noexcept {
  return {static_cast<const std::byte*>(v.mv_data), v.mv_size};
}

void check_key(ByteView key, const std::string& where) {
  if (key.empty() || key.size() > kMaxKeySize)
    fail(ErrorCode::InvalidArgument, "lmdb key of " + std::to_string(key.size()) + " bytes for " +
                                         where + " is outside 1.." + std::to_string(kMaxKeySize));
}
// The same, naming the table only on failure: get/put run once per sample on hot paths.
void check_key(ByteView key, const Txn& txn, const Table& table) {
  if (key.empty() || key.size() > kMaxKeySize) check_key(key, txn.where(table));
}

// Begins a txn, adopting a map another process grew (MDB_MAP_RESIZED) and retrying once.
MDB_txn* begin_txn(const detail::EnvState& s, unsigned flags) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(s.env, nullptr, flags, &txn);
  if (rc == MDB_MAP_RESIZED) {
    s.set_map_size(0);
    rc = mdb_txn_begin(s.env, nullptr, flags, &txn);
  }
  check(rc, "mdb_txn_begin", s.where());
  return txn;
}

// The address range of `s`'s map of data.mdb (file offset 0, same device and inode), or
// {0, 0}. Reads /proc/self/maps: ~100 us.
std::pair<std::uintptr_t, std::uintptr_t> find_map(const struct stat& file) noexcept {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return {0, 0};
  char line[512];
  bool line_start = true;
  std::pair<std::uintptr_t, std::uintptr_t> found{0, 0};
  while (found.second == 0 && std::fgets(line, sizeof line, maps) != nullptr) {
    const bool was_start = line_start;
    line_start = std::strchr(line, '\n') != nullptr;  // long lines come in several pieces
    unsigned long lo = 0, hi = 0, offset = 0, inode = 0;
    unsigned major_id = 0, minor_id = 0;
    char perms[8] = {};
    if (!was_start || std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &offset,
                                  &major_id, &minor_id, &inode) != 7)
      continue;
    if (inode == file.st_ino && makedev(major_id, minor_id) == file.st_dev && offset == 0)
      found = {lo, hi};
  }
  std::fclose(maps);
  return found;
}

// Env::release_mapped_pages.
void release_pages(const detail::EnvState& s) noexcept {
#if defined(__linux__)
  int fd = -1;
  struct stat st {};
  if (mdb_env_get_fd(s.env, &fd) != 0 || ::fstat(fd, &st) != 0 || st.st_size <= 0) return;
  std::lock_guard lock(s.map_mu);
  if (s.map_hi == 0) std::tie(s.map_lo, s.map_hi) = find_map(st);
  if (s.map_hi == 0) return;
  // LMDB reserves a map far larger than the file; only the file's length can be resident.
  const auto length = std::min<std::uintptr_t>(s.map_hi - s.map_lo, st.st_size);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): page-aligned addresses of the map
  ::madvise(reinterpret_cast<void*>(s.map_lo), length, MADV_DONTNEED);
#endif
}

// Counts one write to `s` (only its one write txn writes: no concurrent calls).
void note_write(const detail::EnvState* s) noexcept {
  if (s->write_budget.due()) {
    release_pages(*s);
    s->write_budget.released();
  }
}

int compare_keys(ByteView a, ByteView b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 0) {
    int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

void check(int rc, std::string_view op, std::string_view context) {
  if (rc == 0) return;
  std::string message(op);
  message += " failed for ";
  message += context;
  message += ": ";
  message += mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
      throw MapFull(ErrorCode::NoSpace, message + "; the database map is full");
    case ENOSPC:
    case EDQUOT:
      fail(ErrorCode::NoSpace, message + "; free some disk space and retry");
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
      fail(ErrorCode::Corrupt, message, Hint{.action = HintAction::Fsck});
    default:
      fail(ErrorCode::Io, message);
  }
}

void detail::EnvState::set_map_size(std::size_t size) const {
  std::lock_guard lock(map_mu);
  map_lo = map_hi = 0;
  check(mdb_env_set_mapsize(env, size), "mdb_env_set_mapsize", where());
}

// ---- Txn ------------------------------------------------------------------------------------

Txn::Txn(Txn&& o) noexcept
    : txn_(std::exchange(o.txn_, nullptr)), env_(o.env_), reset_(std::exchange(o.reset_, false)) {}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = std::exchange(o.txn_, nullptr);
    env_ = o.env_;
    reset_ = std::exchange(o.reset_, false);
  }
  return *this;
}

std::string Txn::where(const Table& table) const {
  return "table '" + table.name() + "' in '" + env_->path.string() + "'";
}

void Txn::require_active(std::string_view op) const {
  if (txn_ == nullptr || reset_)
    fail(ErrorCode::Internal,
         std::string(op) + " on an ended or reset lmdb txn of '" + env_->path.string() + "'");
}

std::optional<ByteView> Txn::get(const Table& table, ByteView key) const {
  require_active("get");
  check_key(key, *this, table);
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(txn_, table.dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) check(rc, "mdb_get", where(table));
  return from_val(v);
}

std::uint64_t Txn::count(const Table& table) const {
  require_active("count");
  MDB_stat st{};
  if (const int rc = mdb_stat(txn_, table.dbi(), &st); rc != 0) check(rc, "mdb_stat", where(table));
  return st.ms_entries;
}

Cursor Txn::cursor(const Table& table) const {
  require_active("cursor");
  MDB_cursor* c = nullptr;
  check(mdb_cursor_open(txn_, table.dbi(), &c), "mdb_cursor_open", where(table));
  return Cursor(c, where(table));
}

// ---- ReadTxn --------------------------------------------------------------------------------

ReadTxn& ReadTxn::operator=(ReadTxn&& o) noexcept {
  Txn::operator=(std::move(o));
  return *this;
}

ReadTxn::~ReadTxn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);  // also valid on a reset txn
}

void ReadTxn::reset() noexcept {
  if (txn_ != nullptr && !reset_) {
    mdb_txn_reset(txn_);
    reset_ = true;
  }
}

void ReadTxn::renew() {
  if (txn_ == nullptr)
    fail(ErrorCode::Internal, "renew of an ended lmdb read txn of '" + env_->path.string() + "'");
  if (!reset_) return;
  int rc = mdb_txn_renew(txn_);
  if (rc == MDB_MAP_RESIZED) {
    // Adopt the grown map; the reset txn holds no snapshot, so this is safe here.
    env_->set_map_size(0);
    rc = mdb_txn_renew(txn_);
  }
  check(rc, "mdb_txn_renew", env_->where());
  reset_ = false;
}

void ReadTxn::refresh() {
  reset();
  renew();
}

// ---- WriteTxn -------------------------------------------------------------------------------

WriteTxn& WriteTxn::operator=(WriteTxn&& o) noexcept {
  Txn::operator=(std::move(o));
  return *this;
}

WriteTxn::~WriteTxn() { abort(); }

void WriteTxn::abort() noexcept {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
}

void WriteTxn::put(const Table& table, ByteView key, ByteView value) {
  require_active("put");
  check_key(key, *this, table);
  MDB_val k = to_val(key), v = to_val(value);
  note_write(env_);
  if (const int rc = mdb_put(txn_, table.dbi(), &k, &v, 0); rc != 0)
    check(rc, "mdb_put", where(table));
}

bool WriteTxn::put_if_absent(const Table& table, ByteView key, ByteView value) {
  require_active("put");
  check_key(key, *this, table);
  MDB_val k = to_val(key), v = to_val(value);
  note_write(env_);
  int rc = mdb_put(txn_, table.dbi(), &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  if (rc != 0) check(rc, "mdb_put", where(table));
  return true;
}

MutableByteView WriteTxn::put_reserve(const Table& table, ByteView key, std::size_t size) {
  require_active("put_reserve");
  check_key(key, *this, table);
  MDB_val k = to_val(key), v{size, nullptr};
  note_write(env_);
  if (const int rc = mdb_put(txn_, table.dbi(), &k, &v, MDB_RESERVE); rc != 0)
    check(rc, "mdb_put", where(table));
  return {static_cast<std::byte*>(v.mv_data), size};
}

bool WriteTxn::del(const Table& table, ByteView key) {
  require_active("del");
  check_key(key, *this, table);
  MDB_val k = to_val(key);
  note_write(env_);
  int rc = mdb_del(txn_, table.dbi(), &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) check(rc, "mdb_del", where(table));
  return true;
}

void WriteTxn::clear(const Table& table) {
  require_active("clear");
  check(mdb_drop(txn_, table.dbi(), 0), "mdb_drop", where(table));
}

void WriteTxn::commit() {
  require_active("commit");
  // mdb_txn_commit frees the txn even when it fails: drop our handle first.
  MDB_txn* txn = std::exchange(txn_, nullptr);
  const int rc = detail::explain_short_write(mdb_txn_commit(txn), env_->path);
  // The pages this commit wrote past the last committed one hold the space a rollback needs.
  if (rc == ENOSPC) detail::give_back_tail(env_->env);
  check(rc, "mdb_txn_commit", env_->where());
  // The txn (and reads before it, e.g. an import's lookups) mapped pages it will not need.
  release_pages(*env_);
  env_->write_budget.released();
}

// ---- Cursor / Range -------------------------------------------------------------------------

Cursor::Cursor(Cursor&& o) noexcept
    : cursor_(std::exchange(o.cursor_, nullptr)), where_(std::move(o.where_)) {}

Cursor& Cursor::operator=(Cursor&& o) noexcept {
  if (this != &o) {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = std::exchange(o.cursor_, nullptr);
    where_ = std::move(o.where_);
  }
  return *this;
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

std::optional<Entry> Cursor::move(int op, ByteView key) {
  MDB_val k = to_val(key), v{};
  int rc = mdb_cursor_get(cursor_, &k, &v, static_cast<MDB_cursor_op>(op));
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_cursor_get", where_);
  return Entry{from_val(k), from_val(v)};
}

std::optional<Entry> Cursor::first() { return move(MDB_FIRST, {}); }
std::optional<Entry> Cursor::last() { return move(MDB_LAST, {}); }
std::optional<Entry> Cursor::next() { return move(MDB_NEXT, {}); }
std::optional<Entry> Cursor::prev() { return move(MDB_PREV, {}); }
std::optional<Entry> Cursor::seek(ByteView key) {
  if (key.empty()) return first();  // LMDB rejects empty keys; "" sorts first anyway
  check_key(key, where_);
  return move(MDB_SET_RANGE, key);
}

Range::Iterator::Iterator(Range* range, std::optional<Entry> current)
    : range_(range), current_(current) {}

Range::Iterator& Range::Iterator::operator++() {
  current_ = range_->bounded(range_->cursor_.next());
  return *this;
}

Range::Iterator Range::begin() { return Iterator(this, bounded(cursor_.seek(lo_))); }

std::optional<Entry> Range::bounded(std::optional<Entry> e) const {
  if (!e) return e;
  if (prefix_) {
    if (e->key.size() < lo_.size() ||
        (!lo_.empty() && std::memcmp(e->key.data(), lo_.data(), lo_.size()) != 0))
      return std::nullopt;
  } else if (hi_ && compare_keys(e->key, *hi_) >= 0) {
    return std::nullopt;
  }
  return e;
}

Range range(const Txn& txn, const Table& table, ByteView lo, std::optional<ByteView> hi) {
  std::optional<Bytes> hi_copy;
  if (hi) hi_copy = to_bytes(*hi);
  return Range(txn.cursor(table), to_bytes(lo), std::move(hi_copy), false);
}

Range prefix_range(const Txn& txn, const Table& table, ByteView prefix) {
  return Range(txn.cursor(table), to_bytes(prefix), std::nullopt, true);
}

// ---- Env ------------------------------------------------------------------------------------

Env::Env(std::unique_ptr<detail::EnvState> state) noexcept : state_(std::move(state)) {}
Env::Env(Env&&) noexcept = default;
Env& Env::operator=(Env&&) noexcept = default;
Env::~Env() = default;

Env Env::open(const std::filesystem::path& dir, const std::vector<std::string>& tables,
              const EnvOptions& options) {
  auto s = std::make_unique<detail::EnvState>();
  s->path = dir;
  s->read_only = options.read_only;
  s->auto_grow = options.auto_grow;
  std::error_code ec;
  if (options.read_only) {
    if (!std::filesystem::exists(dir / "data.mdb", ec))
      fail(ErrorCode::NotFound,
           "no lmdb environment at '" + dir.string() + "'; is this a hangar repository?");
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) fail_errno(ec.value(), "cannot create directory", dir.string());
  }
  // LMDB writes lock.mdb through a memory map: without blocks, a full disk is a SIGBUS.
  // (Without a lock file, MDB_NOLOCK, there is nothing to allocate.)
  if (!options.no_lock) detail::preallocate_lock_file(dir, options.max_readers);
  check(mdb_env_create(&s->env), "mdb_env_create", s->where());
  const auto max_tables = std::max<std::size_t>(options.max_tables, tables.size());
  check(mdb_env_set_maxdbs(s->env, static_cast<MDB_dbi>(max_tables)), "mdb_env_set_maxdbs",
        s->where());
  check(mdb_env_set_maxreaders(s->env, options.max_readers), "mdb_env_set_maxreaders", s->where());
  // Read-only: keep the size the writer recorded (0 = take it from the file).
  if (!options.read_only)
    check(mdb_env_set_mapsize(s->env, options.map_size), "mdb_env_set_mapsize", s->where());
  unsigned flags = 0;
  if (options.no_tls) flags |= MDB_NOTLS;
  if (options.no_sync) flags |= MDB_NOSYNC;
  if (options.no_meta_sync) flags |= MDB_NOMETASYNC;
  if (options.read_only) flags |= MDB_RDONLY;
  if (options.no_lock) flags |= MDB_NOLOCK;
  check(detail::explain_short_write(mdb_env_open(s->env, dir.c_str(), flags, 0644), dir),
        "mdb_env_open", s->where());

  // Open every table once, here, and commit so the handles become env-wide.
  MDB_txn* txn = begin_txn(*s, options.read_only ? MDB_RDONLY : 0);
  for (const auto& name : tables) {
    MDB_dbi dbi = 0;
    int rc = mdb_dbi_open(txn, name.c_str(), options.read_only ? 0 : MDB_CREATE, &dbi);
    if (rc != 0) mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND)
      fail(ErrorCode::NotFound, "table '" + name + "' is missing in lmdb env '" + dir.string() +
                                    "'; the repository may be from a newer hangar or damaged");
    check(rc, "mdb_dbi_open", "table '" + name + "' in '" + dir.string() + "'");
    s->names.push_back(std::make_unique<std::string>(name));
    s->dbis.push_back(dbi);
  }
  check(detail::explain_short_write(mdb_txn_commit(txn), dir), "mdb_txn_commit", s->where());
  return Env(std::move(s));
}

Table Env::table(std::string_view name) const {
  for (std::size_t i = 0; i < state_->names.size(); ++i)
    if (*state_->names[i] == name) return Table(state_->dbis[i], state_->names[i].get());
  fail(ErrorCode::Internal,
       "lmdb table '" + std::string(name) + "' was not opened with " + state_->where());
}

ReadTxn Env::begin_read() const { return ReadTxn(begin_txn(*state_, MDB_RDONLY), state_.get()); }

WriteTxn Env::begin_write() {
  if (state_->read_only)
    fail(ErrorCode::Internal, "write txn requested on read-only " + state_->where());
  return WriteTxn(begin_txn(*state_, 0), state_.get());
}

void Env::write(const std::function<void(WriteTxn&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    try {
      WriteTxn txn = begin_write();
      fn(txn);
      txn.commit();
      return;
    } catch (const MapFull& e) {
      if (attempt > 0 || !state_->auto_grow)
        fail(ErrorCode::NoSpace, std::string(e.what()) + " at " + std::to_string(map_size()) +
                                     " bytes; raise the map size and retry");
    }
    // The txn is gone and this process holds the env's single writer role: safe to grow.
    grow_map(map_size() * 2);
  }
}

void Env::sync() {
  if (state_->read_only) return;
  check(detail::explain_short_write(mdb_env_sync(state_->env, 1), state_->path), "mdb_env_sync",
        state_->where());
}

void Env::release_mapped_pages() const noexcept { release_pages(*state_); }

void ResidentBudget::step(const Env& env) noexcept {
  if (!due()) return;
  env.release_mapped_pages();
  released();
}

bool ResidentBudget::due() noexcept {
  if (steps_++ % check_every_ != 0) return false;
  const std::uint64_t now = resident_file_bytes();
  if (base_ == kUnset || now < base_) {  // the first check, or pages released by others
    base_ = now;
    return false;
  }
  return now > base_ + budget_;
}

void ResidentBudget::released() noexcept { base_ = resident_file_bytes(); }

std::uint64_t resident_file_bytes() noexcept {
#if defined(__linux__)
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0, shared = 0;
  const int n = std::fscanf(f, "%lu %lu %lu", &size, &resident, &shared);
  std::fclose(f);
  if (n != 3) return 0;
  return static_cast<std::uint64_t>(shared) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
#else
  return 0;
#endif
}

void Env::grow_map(std::uint64_t new_size) { state_->set_map_size(new_size); }

void Env::copy_compact(const std::filesystem::path& file) const {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) fail(ErrorCode::AlreadyExists, file.string() + " exists");
    fail_errno(errno, "cannot create", file.string());
  }
  // mdb_env_copyfd2 reads every live page through the map: a watcher thread keeps what it maps
  // within a ResidentBudget (checked every ms: the copy maps tens of MB in 5 ms; compacting the
  // 143 MB index of 10^6 chunks peaked at 30-32 MB, 39-43 MB checking every 5 ms), so compacting
  // a large env does not map all of it. Without a thread, the copy runs unwatched.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<std::thread> watcher;
  try {
    watcher.emplace([&] {
      ResidentBudget budget(kWriteResidentBudget, 1);
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, std::chrono::milliseconds(1), [&] { return done; }))
        budget.step(*this);
    });
  } catch (const std::system_error&) {
  }
  const int rc = mdb_env_copyfd2(state_->env, fd, MDB_CP_COMPACT);
  if (watcher) {
    {
      std::lock_guard lock(mu);
      done = true;
    }
    cv.notify_one();
    watcher->join();
  }
  const int sync_rc = rc == 0 ? ::fsync(fd) : 0;
  const int sync_errno = errno;
  ::close(fd);
  if (rc != 0) {
    std::string where = "compacting '";  // appended piecewise: GCC 12 -O3 -Wrestrict
    where.append(state_->path.string()).append("' into '").append(file.string()).append("'");
    check(rc, "mdb_env_copyfd2", where);
  }
  if (sync_rc != 0) fail_errno(sync_errno, "cannot fsync", file.string());
}

std::uint64_t Env::map_size() const {
  MDB_envinfo info{};
  check(mdb_env_info(state_->env, &info), "mdb_env_info", state_->where());
  return info.me_mapsize;
}

std::uint64_t Env::live_bytes() const {
  ReadTxn txn = begin_read();
  MDB_envinfo info{};
  check(mdb_env_info(state_->env, &info), "mdb_env_info", state_->where());
  MDB_stat st{};
  check(mdb_env_stat(state_->env, &st), "mdb_env_stat", state_->where());
  // The free list is table 0: each value is an ID list whose first word is its length.
  std::uint64_t free_pages = 0;
  MDB_cursor* c = nullptr;
  check(mdb_cursor_open(txn.handle(), 0, &c), "mdb_cursor_open", state_->where());
  MDB_val k{}, v{};
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    if (v.mv_size >= sizeof(std::size_t)) {
      std::size_t n = 0;
      std::memcpy(&n, v.mv_data, sizeof n);
      free_pages += n;
    }
  }
  mdb_cursor_close(c);
  const std::uint64_t used = static_cast<std::uint64_t>(info.me_last_pgno) + 1;
  return (used - std::min(used, free_pages)) * st.ms_psize;
}

bool Env::is_read_only() const noexcept { return state_->read_only; }
const std::filesystem::path& Env::path() const noexcept { return state_->path; }
MDB_env* Env::handle() const noexcept { return state_->env; }

}  // namespace hangar::storage::lmdb
