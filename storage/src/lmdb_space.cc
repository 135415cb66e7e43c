// LMDB on a full filesystem: lock-file preallocation, short writes, the failed commit's tail.
#include "lmdb_space.h"

#include <fcntl.h>
#include <hangar/error.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace hangar::storage::lmdb::detail {
namespace {

// sizeof(MDB_reader) and sizeof(MDB_txninfo) in LMDB 0.9 on Linux (pthread mutexes, 64-byte
// cache lines): each reader slot is padded to a cache line; the header is two padded blocks
// (txn body with the reader mutex, the writer mutex) and the first slot.
constexpr std::uint64_t kReaderSlot = 64;
constexpr std::uint64_t kTxnInfo = 192;

// A short write leaves less than one write's worth of space; 1 MiB is far above a page and far
// below what a disk that merely failed would have free.
constexpr std::uint64_t kNearlyFull = std::uint64_t{1} << 20;

}  // namespace

std::uint64_t lock_file_size(unsigned max_readers) noexcept {
  const std::uint64_t readers = max_readers == 0 ? 1 : max_readers;
  return (readers - 1) * kReaderSlot + kTxnInfo;
}

void preallocate_lock_file(const std::filesystem::path& dir, unsigned max_readers) {
  const std::filesystem::path file = dir / "lock.mdb";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    // No lock file we may write (a read-only folder): LMDB decides what that means.
    if (errno == ENOSPC || errno == EDQUOT) fail_errno(errno, "cannot create", file.string());
    return;
  }
  // fallocate (not posix_fallocate, whose fallback writes zeros over the range) allocates
  // blocks without touching the bytes another process's reader table may hold.
  int err = 0;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    err = errno;
  } else {
    const auto want = static_cast<off_t>(lock_file_size(max_readers));
    const off_t length = st.st_size > want ? st.st_size : want;
    if (::fallocate(fd, 0, 0, length) != 0) err = errno;
  }
  // Close before LMDB opens the file: closing any descriptor of a file drops this process's
  // fcntl locks on it, which LMDB relies on.
  ::close(fd);
  if (err == ENOSPC || err == EDQUOT) fail_errno(err, "cannot allocate", file.string());
  // EOPNOTSUPP and the like: this filesystem cannot preallocate; LMDB sizes the file itself.
}

int explain_short_write(int rc, const std::filesystem::path& dir) noexcept {
  if (rc != EIO) return rc;
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return rc;
  const std::uint64_t free_bytes = std::uint64_t{vfs.f_bavail} * vfs.f_frsize;
  return free_bytes < kNearlyFull ? ENOSPC : rc;
}

void give_back_tail(MDB_env* env) noexcept {
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env, nullptr, 0, &txn) != 0) return;
  MDB_envinfo info{};
  MDB_stat stat{};
  int fd = -1;
  struct stat st {};
  if (mdb_env_info(env, &info) == 0 && mdb_env_stat(env, &stat) == 0 &&
      mdb_env_get_fd(env, &fd) == 0 && ::fstat(fd, &st) == 0) {
    // Pages 0..last_pgno hold every committed snapshot; nothing reads past them.
    const auto committed =
        static_cast<off_t>((std::uint64_t{info.me_last_pgno} + 1) * stat.ms_psize);
    if (st.st_size > committed) (void)::ftruncate(fd, committed);
  }
  mdb_txn_abort(txn);
}

}  // namespace hangar::storage::lmdb::detail
