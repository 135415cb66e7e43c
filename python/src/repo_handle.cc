#include "repo_handle.h"

#include <hangar/error.h>
#include <hangar/remote/lazy_fetch.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <map>

namespace hangar::python {
namespace {

// Bumped in every child process by pthread_atfork: handles opened before are the parent's.
std::atomic<std::uint64_t> g_fork_epoch{0};

void on_fork_child() { g_fork_epoch.fetch_add(1, std::memory_order_relaxed); }

struct Registry {
  std::mutex mutex;
  std::map<std::filesystem::path, std::weak_ptr<RepoHandle>> handles;
  Registry() { pthread_atfork(nullptr, nullptr, on_fork_child); }
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: handles may outlive static teardown
  return *r;
}

std::unique_ptr<Repository> open_repository(const std::filesystem::path& root,
                                            Repository::Mode mode) {
  auto repo = std::make_unique<Repository>(Repository::open(root, mode));
  update_fetcher(*repo);
  return repo;
}

}  // namespace

void update_fetcher(Repository& repo) {
  if (!remote::enable_lazy_fetch(repo)) repo.set_chunk_fetcher(nullptr);
}

std::shared_ptr<RepoHandle> RepoHandle::open(const std::filesystem::path& start) {
  std::filesystem::path root = std::filesystem::weakly_canonical(Repository::find_root(start));
  Registry& reg = registry();
  std::lock_guard guard(reg.mutex);
  if (auto existing = reg.handles[root].lock()) return existing;
  std::shared_ptr<RepoHandle> handle(new RepoHandle(root));
  reg.handles[root] = handle;
  return handle;
}

RepoHandle::RepoHandle(std::filesystem::path root)
    : root_(std::move(root)),
      repo_(open_repository(root_, Repository::Mode::Read)),
      fork_epoch_(g_fork_epoch.load(std::memory_order_relaxed)) {}

RepoHandle::~RepoHandle() {
  if (fork_epoch_ != g_fork_epoch.load(std::memory_order_relaxed) && repo_) {
    repo_->close_inherited_lock();
    (void)repo_.release();
  }
  Registry& reg = registry();
  std::lock_guard guard(reg.mutex);
  auto it = reg.handles.find(root_);
  if (it != reg.handles.end() && it->second.expired()) reg.handles.erase(it);
}

void RepoHandle::reopen(Mode mode) {
  {
    std::lock_guard guard(dependents_mutex_);
    for (Dependent* d : dependents_) d->drop();
  }
  repo_.reset();  // an env may be open only once per process: close before opening again
  ++generation_;
  try {
    repo_ = open_repository(root_,
                            mode == Mode::Write ? Repository::Mode::Write : Repository::Mode::Read);
    mode_ = mode;
  } catch (...) {
    if (mode == Mode::Read) throw;
    repo_ = open_repository(root_, Repository::Mode::Read);
    mode_ = Mode::Read;
    throw;
  }
}

void RepoHandle::ensure_open() {
  const std::uint64_t epoch = g_fork_epoch.load(std::memory_order_relaxed);
  {
    std::shared_lock lock(mutex_);
    if (fork_epoch_ == epoch && repo_) return;
  }
  std::unique_lock lock(mutex_);
  if (fork_epoch_ != epoch) {
    {
      std::lock_guard guard(dependents_mutex_);
      for (Dependent* d : dependents_) d->abandon();
    }
    if (repo_) repo_->close_inherited_lock();
    (void)repo_.release();  // the parent's LMDB handles: never closed here
    fork_epoch_ = epoch;
    ++generation_;
  }
  if (!repo_) {
    repo_ = open_repository(root_, Repository::Mode::Read);
    mode_ = Mode::Read;
  }
}

RepoHandle::Lease RepoHandle::lease() {
  for (;;) {
    ensure_open();
    std::shared_lock lock(mutex_);
    if (repo_) return Lease(std::move(lock), repo_.get(), generation_);
  }
}

void RepoHandle::begin_write() {
  ensure_open();
  std::unique_lock lock(mutex_);
  if (mode_ == Mode::Write)
    fail(ErrorCode::Locked, "repository '" + root_.string() +
                                "' has a write checkout open in this process; close it first");
  reopen(Mode::Write);
}

void RepoHandle::end_write() noexcept {
  std::unique_lock lock(mutex_);
  if (mode_ != Mode::Write) return;
  try {
    reopen(Mode::Read);
  } catch (...) {
    // The read open failed after the write one closed (e.g. the folder was removed): the next
    // lease() reports it.
    repo_.reset();
  }
}

bool RepoHandle::writing() {
  std::shared_lock lock(mutex_);
  return mode_ == Mode::Write;
}

void RepoHandle::add(Dependent* d) {
  std::lock_guard guard(dependents_mutex_);
  dependents_.push_back(d);
}

void RepoHandle::remove(Dependent* d) noexcept {
  std::lock_guard guard(dependents_mutex_);
  dependents_.erase(std::remove(dependents_.begin(), dependents_.end(), d), dependents_.end());
}

WriteScope::WriteScope(RepoHandle& handle) : handle_(handle) {
  if (!handle_.writing()) {
    handle_.begin_write();
    switched_ = true;
  }
  lease_ = std::make_unique<RepoHandle::Lease>(handle_.lease());
}

WriteScope::~WriteScope() {
  lease_.reset();
  if (switched_) handle_.end_write();
}

}  // namespace hangar::python
