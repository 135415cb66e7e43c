// Chunks::reclaim: gives the disk space of dropped chunks back (chunks.h has the contract;
// docs/decisions/0010-reclaiming-chunk-space.md the mechanism, 0013 the threshold and the
// garbage sweep; reclaim_plan.cc decides which containers go).
//
// Crash ordering. The one invariant is the durability rule of chunks.cc turned around: an
// index entry never points at deleted bytes. So bytes are deleted only once no committed
// index entry names them, and moved bytes are referenced only once their copy is durable:
//   plan -> journal(old) -> unindex dead -> copy live + flush -> journal(old, new) -> relocate
//   -> delete old -> remove journal -> [exclusive: sweep garbage, compact copy -> close ->
//   rename -> reopen]
// Every crash leaves either garbage (bytes nothing points at: dead chunks, unreferenced copies,
// old containers) or nothing. The journal names the containers a crash may leave as garbage, so
// the next reclaim deletes exactly those that no index entry points into (never a guess: a
// container holding an indexed chunk is kept) and rewrites the rest; copies a crash leaves
// before they are journaled are found by the sweep, which runs only when no other process has
// the store open (so no container it finds can be one a writer is still filling).
#include <fcntl.h>
#include <hangar/base/encoding.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "chunks_state.h"
#include "reclaim_plan.h"

namespace hangar::storage {
namespace {

namespace fs = std::filesystem;

constexpr const char* kJournalFile = "reclaim.journal";
constexpr const char* kCompactFile = "data.mdb.compact";
constexpr std::uint8_t kJournalVersion = 1;
constexpr std::uint64_t kMaxJournalEntries = std::uint64_t{1} << 24;
// The copy step hands its bytes to the backend every this many bytes (bounded memory).
constexpr std::uint64_t kWriteBackEvery = std::uint64_t{64} << 20;

using reclaim::Container;
using reclaim::container_of;
using reclaim::Containers;

struct Journal {
  Containers old_containers;  // hold dead chunks; deleted once their live chunks moved
  Containers new_containers;  // copies written by this reclaim
};

// u8 version, then for old and new: varint count, count x (u16 backend, u64 id).
Bytes encode_journal(const Journal& j) {
  Encoder e;
  e.u8(kJournalVersion);
  for (const Containers* set : {&j.old_containers, &j.new_containers}) {
    e.varint(set->size());
    for (const auto& [code, id] : *set) {
      e.u16(static_cast<std::uint16_t>(code));
      e.u64(id);
    }
  }
  return e.take();
}

Journal decode_journal(ByteView bytes) {
  Decoder d(bytes, "reclaim journal");
  const std::uint8_t version = d.u8("version");
  if (version != kJournalVersion)
    fail(ErrorCode::Unsupported, "reclaim journal of version " + std::to_string(version) +
                                     " was written by a newer hangar; upgrade hangar");
  Journal j;
  for (Containers* set : {&j.old_containers, &j.new_containers}) {
    const std::uint64_t n = d.varint_max("count", kMaxJournalEntries);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto code = static_cast<BackendCode>(d.u16("backend"));
      set->insert({code, d.u64("id")});
    }
  }
  d.expect_end();
  return j;
}

void fsync_dir(const fs::path& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) fail_errno(errno, "cannot open directory", dir.string());
  if (::fsync(fd.get()) != 0) fail_errno(errno, "cannot fsync", dir.string());
}

void remove_journal(const fs::path& dir) {
  const fs::path path = dir / kJournalFile;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    fail_errno(errno, "cannot delete", path.string());
  fsync_dir(dir);
}

// The containers of `wanted` that some index entry points into, and those entries.
struct Referenced {
  Containers containers;
  std::vector<std::pair<Digest, ChunkLocation>> entries;
};

Referenced referenced(const Chunks::State& s, const Containers& wanted) {
  Referenced out;
  if (wanted.empty()) return out;
  lmdb::ReadTxn txn = s.index.begin_read();
  s.index.for_each(txn, [&](const Digest& d, const ChunkLocation& loc) {
    const auto c = container_of(s, loc);
    if (!c || !wanted.count(*c)) return;
    out.containers.insert(*c);
    out.entries.emplace_back(d, loc);
  });
  return out;
}

void delete_containers(Chunks::State& s, const Containers& containers, ReclaimReport& r) {
  std::map<BackendCode, std::vector<std::uint64_t>> by_backend;
  for (const auto& [code, id] : containers) by_backend[code].push_back(id);
  for (const auto& [code, ids] : by_backend) {
    s.backend(code).delete_containers(ids);
    r.containers_deleted += ids.size();
  }
}

// Steps 4-7 for `old_containers` (the dead entries are already out of the index). Returns the
// chunks and stored bytes copied.
std::pair<std::uint64_t, std::uint64_t> rewrite(Chunks::State& s, const Containers& old_containers,
                                                ReclaimReport& r) {
  const Referenced live = referenced(s, old_containers);
  std::vector<LocationIndex::Move> moves;
  moves.reserve(live.entries.size());
  std::set<BackendCode> used;
  Bytes buffer;
  std::uint64_t unwritten = 0, bytes = 0;
  for (const auto& [digest, loc] : live.entries) {
    ChunkStore& store = s.backend(loc.backend);
    buffer.resize(loc.stored_size);  // <= kMaxChunkBytes, checked by decode_location
    store.read(loc, buffer);
    moves.push_back({digest, loc, store.append(digest, loc.codec, loc.raw_size, buffer)});
    used.insert(loc.backend);
    bytes += loc.stored_size;
    if ((unwritten += loc.stored_size) >= kWriteBackEvery) {
      for (BackendCode code : used) s.backend(code).write_back();
      unwritten = 0;
    }
  }
  if (failpoint_armed("reclaim-copy-written")) {
    // The copies reach the backends (as after a long copy's write-backs) but are neither
    // durable nor journaled: what a crash in the middle of the copy leaves.
    for (BackendCode code : used) s.backend(code).write_back();
    failpoint("reclaim-copy-written");
  }
  for (BackendCode code : used) s.backend(code).flush();  // copies durable ...
  Journal j{old_containers, {}};
  for (const auto& m : moves)
    if (auto c = container_of(s, m.to)) j.new_containers.insert(*c);
  write_file_atomic(s.dir / kJournalFile, encode_journal(j));
  failpoint("reclaim-copied");
  const std::uint64_t moved = s.index.relocate(moves);  // ... then referenced
  r.chunks_moved += moved;
  failpoint("reclaim-relocated");
  // Nothing points into them now; checked, not assumed (a container still named is kept).
  const Referenced still = referenced(s, old_containers);
  Containers unused;
  for (const Container& c : old_containers)
    if (!still.containers.count(c)) unused.insert(c);
  delete_containers(s, unused, r);
  failpoint("reclaim-deleted");
  return {moved, bytes};
}

// Finishes the reclaim a crash interrupted (see the top of this file).
bool recover(Chunks::State& s, ReclaimReport& r) {
  const fs::path path = s.dir / kJournalFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  const Journal j = decode_journal(read_file(path, kMaxJournalEntries * 10 * 2 + 16));
  Containers listed = j.old_containers;
  listed.insert(j.new_containers.begin(), j.new_containers.end());
  const Referenced ref = referenced(s, listed);
  Containers garbage, still_used;
  for (const Container& c : listed) (ref.containers.count(c) ? still_used : garbage).insert(c);
  delete_containers(s, garbage, r);
  Containers old_used;
  for (const Container& c : j.old_containers)
    if (still_used.count(c)) old_used.insert(c);
  if (!old_used.empty()) rewrite(s, old_used, r);
  remove_journal(s.dir);
  return true;
}

// The env directories of this store: the index and every LMDB backend.
std::vector<const lmdb::Env*> envs_of(Chunks::State& s) {
  std::vector<const lmdb::Env*> envs{&s.index.env()};
  for (const auto& [code, store] : s.backends)
    if (const lmdb::Env* env = store->lmdb_env()) envs.push_back(env);
  return envs;
}

void remove_compact_leftovers(const std::vector<fs::path>& dirs) {
  for (const fs::path& dir : dirs) {
    const fs::path tmp = dir / kCompactFile;
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
      fail_errno(errno, "cannot delete", tmp.string());
  }
}

}  // namespace

std::uint64_t Chunks::disk_bytes() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(state_->dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  if (ec) fail_errno(ec.value(), "cannot measure", state_->dir.string());
  return total;
}

CompactionStats Chunks::plan_reclaim(std::span<const Digest> dead, double threshold) const {
  check_compact_threshold(threshold);
  return reclaim::make_plan(*state_, dead, threshold).stats;
}

ReclaimReport Chunks::reclaim(std::span<const Digest> dead, double threshold) {
  check_compact_threshold(threshold);
  if (state_->read_only)
    fail(ErrorCode::Internal, "reclaim in read-only chunk store '" + state_->dir.string() + "'");
  if (!state_->staged.empty())
    fail(ErrorCode::Internal, "reclaim with staged chunks in '" + state_->dir.string() + "'");
  ReclaimReport r;
  r.disk_bytes_before = disk_bytes();
  r.recovered = recover(*state_, r);
  State& s = *state_;

  // 1. What goes: emptied and compacted containers (complete: they hold indexed chunks).
  const reclaim::Plan plan = reclaim::make_plan(s, dead, threshold);
  r.compaction = plan.stats;
  r.compaction.chunks_moved = r.compaction.bytes_moved = r.compaction.garbage_containers = 0;
  Containers old_containers = plan.emptied;
  old_containers.insert(plan.compact.begin(), plan.compact.end());
  // 2.
  if (!old_containers.empty()) {
    write_file_atomic(s.dir / kJournalFile, encode_journal(Journal{old_containers, {}}));
    failpoint("reclaim-journaled");
  }
  // 3. Unreference the dead chunks.
  {
    const ChunkStats before = s.index.stats();
    r.chunks_removed = s.index.remove(dead);
    r.stored_bytes_removed =
        before.stored_bytes - std::min(before.stored_bytes, s.index.stats().stored_bytes);
  }
  failpoint("reclaim-unindexed");
  // 4-7.
  if (!old_containers.empty()) {
    std::tie(r.compaction.chunks_moved, r.compaction.bytes_moved) = rewrite(s, old_containers, r);
    remove_journal(s.dir);
  }
  if (!plan.l0_dead.empty() && s.backends.count(BackendCode::Lmdb))
    s.backend(BackendCode::Lmdb).delete_chunks(plan.l0_dead);

  // 8. Only when no other process has the store open.
  const auto pending_of = [&s] {
    std::uint64_t pending = 0;
    for (const lmdb::Env* env : envs_of(s)) pending += reclaim::pending_bytes_of(*env);
    return pending;
  };
  for (const lmdb::Env* env : envs_of(s))
    remove_compact_leftovers({env->path()});  // from a crash; no other reclaim runs
  if (!s.lock.try_upgrade()) {
    r.pending_bytes = pending_of();
    r.disk_bytes_after = disk_bytes();
    return r;
  }
  // 8a. Garbage: nobody else has the store open, so nobody is filling a container; listed
  // again now, under the lock, so that containers written since the plan are judged too.
  std::vector<const lmdb::Env*> envs;
  std::uint64_t pending = 0;
  try {
    const Containers garbage = reclaim::unreferenced(s);
    const std::uint64_t deleted = r.containers_deleted;
    delete_containers(s, garbage, r);
    r.compaction.garbage_containers = r.containers_deleted - deleted;
    failpoint("reclaim-swept");
    for (const lmdb::Env* env : envs_of(s)) {
      const std::uint64_t p = reclaim::pending_bytes_of(*env);
      if (p == 0) continue;
      pending += p;
      envs.push_back(env);
    }
  } catch (...) {
    s.lock.downgrade();
    throw;
  }
  // 8b. LMDB compaction, unless a ChunkReader of ours still reads the envs.
  if (envs.empty() || s.readers->load() > 0) {
    s.lock.downgrade();
    r.pending_bytes = pending;
    r.disk_bytes_after = disk_bytes();
    return r;
  }
  swap_in_compacted(envs);
  r.compacted = true;
  r.disk_bytes_after = disk_bytes();
  return r;
}

void Chunks::swap_in_compacted(const std::vector<const lmdb::Env*>& envs) {
  State& s = *state_;
  std::vector<fs::path> dirs;
  dirs.reserve(envs.size());
  for (const lmdb::Env* env : envs) dirs.push_back(env->path());
  try {
    for (const lmdb::Env* env : envs) env->copy_compact(env->path() / kCompactFile);
    failpoint("reclaim-compact-copied");
  } catch (...) {
    remove_compact_leftovers(dirs);
    s.lock.downgrade();
    throw;
  }
  // Close every env (nobody else has them open: we hold open.lock exclusively), swap, reopen.
  OpenLock lock = std::move(s.lock);
  const fs::path dir = s.dir;
  state_.reset();
  try {
    for (const fs::path& d : dirs) {
      const fs::path tmp = d / kCompactFile, file = d / "data.mdb";
      if (::rename(tmp.c_str(), file.c_str()) != 0)
        fail_errno(errno, "cannot rename", tmp.string());
      fsync_dir(d);
      failpoint("reclaim-compact-swapped");
    }
  } catch (...) {
    remove_compact_leftovers(dirs);  // each env is the old or the new file: both whole
    lock.downgrade();
    state_ = State::open(dir, false, std::move(lock));
    throw;
  }
  lock.downgrade();
  state_ = State::open(dir, false, std::move(lock));
}

bool Chunks::compact_index() {
  State& s = *state_;
  if (s.read_only)
    fail(ErrorCode::Internal, "compaction of read-only chunk store '" + s.dir.string() + "'");
  if (!s.staged.empty())
    fail(ErrorCode::Internal, "compaction with staged chunks in '" + s.dir.string() + "'");
  remove_compact_leftovers({s.index.env().path()});  // from a crash; no reclaim runs
  if (s.readers->load() > 0 || !s.lock.try_upgrade()) return false;
  swap_in_compacted({&s.index.env()});
  return true;
}

}  // namespace hangar::storage
