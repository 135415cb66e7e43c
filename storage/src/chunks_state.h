// Chunks::State (private to storage): what a Chunks owns, shared by chunks.cc and
// chunks_reclaim.cc.
#pragma once

#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <unordered_set>

namespace hangar::storage {

inline constexpr const char* kIndexDir = "index";
inline constexpr const char* kOpenLockFile = "open.lock";
inline constexpr BackendCode kKnownBackends[] = {BackendCode::Lmdb, BackendCode::LmdbSegments,
                                                 BackendCode::Hdf5};

struct Chunks::State {
  OpenLock lock;  // first: released after every env below is closed
  std::filesystem::path dir;
  bool read_only;
  LocationIndex index;
  std::map<BackendCode, std::unique_ptr<ChunkStore>> backends{};
  // Appended (and written back) but not yet indexed; see stage().
  std::vector<std::pair<Digest, ChunkLocation>> staged{};
  std::unordered_set<Digest> staged_ids{};
  // What append_new()'s index lookups keep mapped (8 MiB, checked every 256 lookups).
  lmdb::ResidentBudget lookup_budget{std::uint64_t{8} << 20, 256};
  std::set<BackendCode> staged_backends{};
  std::size_t written_back = 0;  // staged[0, written_back) went through ChunkStore::write_back
  std::set<BackendCode> unwritten_backends{};
  // Live ChunkReaders of this store (reclaim swaps no LMDB file under them). Behind a pointer
  // so that State stays movable.
  std::unique_ptr<std::atomic<std::size_t>> readers = std::make_unique<std::atomic<std::size_t>>(0);

  // Opens the index and every backend (the lock is already held).
  static std::unique_ptr<State> open(const std::filesystem::path& chunks_dir, bool read_only,
                                     OpenLock lock);

  ChunkStore& backend(BackendCode code) const {
    auto it = backends.find(code);
    if (it != backends.end()) return *it->second;
    if (!is_known_backend(code)) open_backend(code, dir, true);  // throws Unsupported
    fail(ErrorCode::Corrupt,
         "chunk store '" + dir.string() + "' has no data for backend '" + backend_code_name(code) +
             "'",
         Hint{.action = HintAction::Fsck});
  }
};

}  // namespace hangar::storage
