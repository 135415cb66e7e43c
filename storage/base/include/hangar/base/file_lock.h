// Small OS helpers: an owned file descriptor, the repository writer lock (flock), atomic file
// replacement (temp + fsync + rename + dir fsync), and bounded whole-file reads.
#pragma once

#include <hangar/base/bytes.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hangar::storage {

// Owns a file descriptor; closes it on destruction. Move-only.
class ScopedFd {
 public:
  ScopedFd() noexcept = default;
  explicit ScopedFd(int fd) noexcept : fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fd_(o.release()) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// flock(2) on `lock_file` (created when missing), shared or exclusive, without waiting. The
// returned descriptor holds the lock until it is closed, and the kernel drops it when the
// process dies; flock locks belong to the open file description, so another try_flock in the
// same process conflicts too. Throws: Locked `when_held` (another holds a conflicting lock),
// Io/NoSpace (cannot create or open the file).
ScopedFd try_flock(const std::filesystem::path& lock_file, bool shared, std::string_view when_held);
// try_flock, retried every 20 ms for up to `wait` while the lock is held elsewhere.
ScopedFd flock_within(const std::filesystem::path& lock_file, bool shared,
                      std::chrono::milliseconds wait, std::string_view when_held);

// The single-writer lock of a repository: flock(LOCK_EX) on a lock file. Released on
// destruction, and by the kernel when the process dies (no stale locks). A second acquire
// conflicts even within the same process. Move-only. Not inherited across exec.
class RepoLock {
 public:
  // Creates `lock_file` if needed and locks it without waiting.
  // Throws: Locked "repository '<repo>' is locked by another writer; retry when it finishes",
  //         Io/NoSpace (cannot create/open the lock file).
  static RepoLock acquire(const std::filesystem::path& lock_file,
                          std::string_view repo_for_message);

  RepoLock(RepoLock&&) noexcept = default;
  RepoLock& operator=(RepoLock&&) noexcept = default;
  ~RepoLock() = default;  // closing the fd releases the flock

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  RepoLock(ScopedFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  ScopedFd fd_;
  std::filesystem::path path_;
};

// "This process has the chunk store open": flock(LOCK_SH) on a lock file, held by every
// Chunks from before it opens an LMDB env until after it closes them. Chunks::reclaim
// upgrades its own to LOCK_EX without waiting: granted only when no other open file
// description (another process, or another Chunks of this one) holds the lock, which is when
// an env file may be swapped. Move-only; released on destruction and when the process dies.
class OpenLock {
 public:
  // Opens (creating when it can) `lock_file` and takes the shared lock, waiting while a
  // reclaim holds it exclusively (a few seconds at most). A read-only opener that cannot
  // create a missing lock file gets an inert lock (holds nothing).
  // Throws: Io (cannot open an existing file, or flock fails).
  static OpenLock acquire_shared(const std::filesystem::path& lock_file);
  // Takes the exclusive lock without waiting; true when granted. When refused the shared lock
  // is taken again (Linux drops it while converting), so on return the lock is held either
  // way. Throws: Io.
  bool try_upgrade();
  // Back to shared after try_upgrade() succeeded. Throws: Io.
  void downgrade();
  bool is_exclusive() const noexcept { return exclusive_; }
  bool is_held() const noexcept { return fd_.valid(); }

  OpenLock() = default;
  OpenLock(OpenLock&&) noexcept = default;
  OpenLock& operator=(OpenLock&&) noexcept = default;
  ~OpenLock() = default;

 private:
  OpenLock(ScopedFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  ScopedFd fd_;
  std::filesystem::path path_;
  bool exclusive_ = false;
};

// Replaces `path` with `data` atomically: a temp file in the same directory, write, fsync,
// rename over `path`, fsync the directory. Readers see the old or the new content, never a mix.
// Throws: Io / NoSpace (via fail_errno, naming the path).
void write_file_atomic(const std::filesystem::path& path, ByteView data);

// Reads a whole file. Throws: NotFound (no such file), InvalidArgument (larger than max_bytes),
// Io.
Bytes read_file(const std::filesystem::path& path, std::uint64_t max_bytes);

}  // namespace hangar::storage
