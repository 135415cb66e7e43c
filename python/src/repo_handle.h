// RepoHandle: the one open libhangar Repository of a repository root in this process.
//
// LMDB allows one open of an environment per process, so every Python object of one root
// (Repository, checkouts, columns, datasets) shares one handle. The handle is open for reading
// (no lock) and switches to writing while a write checkout or a writing call runs (taking the
// repository's writer lock), then back. A switch, and the first use in a child process after
// fork(), replaces the libhangar Repository; the C++ Checkouts made from the old one are
// destroyed first (after a fork: abandoned, never closed, since their LMDB handles belong to
// the parent) by the Dependents that own them, which re-create them on their next use.
//
// Thread rules: users of the repository hold a Lease (shared); switching takes the handle
// exclusively, so it waits for running reads (e.g. a get_batch with the GIL released).
#pragma once

#include <hangar/repository.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace hangar::python {

// An owner of objects made from the handle's current Repository (C++ Checkouts).
class Dependent {
 public:
  virtual ~Dependent() = default;
  // Destroys them: the Repository they came from is about to close. Called exclusively.
  virtual void drop() noexcept = 0;
  // Forgets them without destroying them (they belong to the parent process). Called
  // exclusively, in a child after fork().
  virtual void abandon() noexcept = 0;
};

// Installs the remote's chunk fetcher when `repo` is set to fetch lazily (config fetch.lazy),
// removes it otherwise. Every Repository a handle opens goes through it.
void update_fetcher(Repository& repo);

class RepoHandle {
 public:
  enum class Mode { Read, Write };

  // The handle of the repository holding `start` (its root found like the CLI), shared with
  // every other user of that root in this process. Throws: NotFound, Corrupt, Unsupported.
  static std::shared_ptr<RepoHandle> open(const std::filesystem::path& start);

  ~RepoHandle();
  RepoHandle(const RepoHandle&) = delete;
  RepoHandle& operator=(const RepoHandle&) = delete;

  const std::filesystem::path& root() const noexcept { return root_; }

  // Shared use of the current Repository; the generation tells Dependents whether what they
  // made is still from it.
  class Lease {
   public:
    Repository& repo() const noexcept { return *repo_; }
    std::uint64_t generation() const noexcept { return generation_; }

   private:
    friend class RepoHandle;
    Lease(std::shared_lock<std::shared_mutex> lock, Repository* repo, std::uint64_t gen)
        : lock_(std::move(lock)), repo_(repo), generation_(gen) {}
    std::shared_lock<std::shared_mutex> lock_;
    Repository* repo_;
    std::uint64_t generation_;
  };
  // Reopens first after a fork. Throws: like Repository::open.
  Lease lease();

  // Switches to Write (taking the writer lock) for a write checkout. Throws: Locked (another
  // process, or a write checkout of this process, holds it); the handle stays readable.
  void begin_write();
  // Back to Read (releasing the writer lock). No-op when not writing.
  void end_write() noexcept;
  bool writing();

  void add(Dependent* d);
  void remove(Dependent* d) noexcept;

 private:
  explicit RepoHandle(std::filesystem::path root);
  // REQUIRES the exclusive lock. Drops every dependent, closes, opens in `mode`.
  void reopen(Mode mode);
  // Reopens (for reading) after a fork, abandoning what the parent opened, or after a failed
  // switch left the handle closed.
  void ensure_open();

  std::filesystem::path root_;
  std::shared_mutex mutex_;
  std::unique_ptr<Repository> repo_;
  Mode mode_ = Mode::Read;
  std::uint64_t generation_ = 0;
  std::uint64_t fork_epoch_ = 0;
  std::mutex dependents_mutex_;
  std::vector<Dependent*> dependents_;
};

// Scoped writing for one call (create_branch, merge, ...): switches the handle to Write unless
// a write checkout of this process has already done so, and back at the end.
class WriteScope {
 public:
  explicit WriteScope(RepoHandle& handle);
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  Repository& repo() const noexcept { return lease_->repo(); }

 private:
  RepoHandle& handle_;
  bool switched_ = false;
  std::unique_ptr<RepoHandle::Lease> lease_;
};

}  // namespace hangar::python
