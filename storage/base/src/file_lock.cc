// ScopedFd, RepoLock (flock), atomic file replacement, bounded file reads.
#include <fcntl.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

namespace hangar::storage {
namespace {

int open_retry(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void write_all(int fd, ByteView data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "cannot write", path.string());
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void fsync_or_fail(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) fail_errno(errno, "cannot fsync", path.string());
}

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}
ScopedFd::~ScopedFd() { reset(); }
int ScopedFd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}
void ScopedFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);  // close errors on a read/lock fd carry no data to lose
  fd_ = fd;
}

ScopedFd try_flock(const std::filesystem::path& lock_file, bool shared,
                   std::string_view when_held) {
  ScopedFd fd(open_retry(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) fail_errno(errno, "cannot open lock file", lock_file.string());
  int rc;
  do {
    rc = ::flock(fd.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) fail(ErrorCode::Locked, std::string(when_held));
    fail_errno(errno, "cannot lock", lock_file.string());
  }
  return fd;
}

ScopedFd flock_within(const std::filesystem::path& lock_file, bool shared,
                      std::chrono::milliseconds wait, std::string_view when_held) {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    try {
      return try_flock(lock_file, shared, when_held);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Locked || std::chrono::steady_clock::now() >= until) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RepoLock RepoLock::acquire(const std::filesystem::path& lock_file,
                           std::string_view repo_for_message) {
  return RepoLock(try_flock(lock_file, false,
                            "repository '" + std::string(repo_for_message) +
                                "' is locked by another writer; retry when it finishes"),
                  lock_file);
}

namespace {
int flock_retry(int fd, int op) {
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}
}  // namespace

OpenLock OpenLock::acquire_shared(const std::filesystem::path& lock_file) {
  ScopedFd fd(open_retry(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) fd.reset(open_retry(lock_file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == EROFS || errno == EACCES) return OpenLock();
    fail_errno(errno, "cannot open lock file", lock_file.string());
  }
  if (flock_retry(fd.get(), LOCK_SH) != 0) fail_errno(errno, "cannot lock", lock_file.string());
  return OpenLock(std::move(fd), lock_file);
}

bool OpenLock::try_upgrade() {
  if (!fd_.valid()) return false;
  if (flock_retry(fd_.get(), LOCK_EX | LOCK_NB) == 0) {
    exclusive_ = true;
    return true;
  }
  if (errno != EWOULDBLOCK) fail_errno(errno, "cannot lock", path_.string());
  // flock(2): a conversion first drops the lock held; take the shared one again.
  if (flock_retry(fd_.get(), LOCK_SH) != 0) fail_errno(errno, "cannot lock", path_.string());
  return false;
}

void OpenLock::downgrade() {
  if (!fd_.valid() || !exclusive_) return;
  if (flock_retry(fd_.get(), LOCK_SH) != 0) fail_errno(errno, "cannot lock", path_.string());
  exclusive_ = false;
}

void write_file_atomic(const std::filesystem::path& path, ByteView data) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);

  ScopedFd fd(open_retry(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) fail_errno(errno, "cannot create", tmp.string());
  try {
    write_all(fd.get(), data, tmp);
    fsync_or_fail(fd.get(), tmp);
    if (::close(fd.release()) != 0) fail_errno(errno, "cannot close", tmp.string());
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail_errno(errno, "cannot rename onto", path.string());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // The rename itself is durable only once the directory entry is.
  ScopedFd dfd(open_retry(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid()) fail_errno(errno, "cannot open directory", dir.string());
  fsync_or_fail(dfd.get(), dir);
}

Bytes read_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  ScopedFd fd(open_retry(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) fail(ErrorCode::NotFound, "file '" + path.string() + "' does not exist");
    fail_errno(errno, "cannot open", path.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail_errno(errno, "cannot stat", path.string());
  if (S_ISDIR(st.st_mode))
    fail(ErrorCode::InvalidArgument, "'" + path.string() + "' is a directory, expected a file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes)
    fail(ErrorCode::InvalidArgument, "file '" + path.string() + "' has " + std::to_string(size) +
                                         " bytes, more than the limit of " +
                                         std::to_string(max_bytes));
  Bytes out(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "cannot read", path.string());
    }
    if (n == 0) break;  // the file shrank while we read it
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace hangar::storage
