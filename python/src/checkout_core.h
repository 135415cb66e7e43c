// CheckoutCore: the libhangar Checkouts behind one Python checkout, made on demand from the
// shared RepoHandle and pooled, so that every thread reading at once (a get_batch on both
// cores, several Python threads) has a Checkout of its own, as libhangar requires.
#pragma once

#include <hangar/checkout.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "repo_handle.h"

namespace hangar::python {

class CheckoutCore final : public Dependent {
 public:
  // A view of `commit`, or (staged) of the current branch's staged state.
  CheckoutCore(std::shared_ptr<RepoHandle> handle, std::optional<Digest> commit, bool staged);
  ~CheckoutCore() override;
  CheckoutCore(const CheckoutCore&) = delete;
  CheckoutCore& operator=(const CheckoutCore&) = delete;

  // `count` Checkouts for one call (one per reading thread), with the handle leased; they go
  // back to the pool at the end.
  class Use {
   public:
    Use(Use&&) noexcept = default;
    ~Use();
    Checkout& operator*() const noexcept { return *checkouts_.front(); }
    Checkout* operator->() const noexcept { return checkouts_.front().get(); }
    Checkout& at(std::size_t i) const noexcept { return *checkouts_[i]; }
    Repository& repo() const noexcept { return lease_.repo(); }

   private:
    friend class CheckoutCore;
    Use(CheckoutCore* owner, RepoHandle::Lease lease, std::uint64_t version)
        : owner_(owner), lease_(std::move(lease)), version_(version) {}
    CheckoutCore* owner_;
    RepoHandle::Lease lease_;
    std::vector<std::unique_ptr<Checkout>> checkouts_;
    std::uint64_t version_;
  };
  // Throws: like Repository::checkout_at / staged_view (NotFound when the commit is gone).
  Use use(std::size_t count = 1);

  // Staged views are snapshots: after a write, the next use() takes a fresh one.
  void invalidate();

  RepoHandle& handle() const noexcept { return *handle_; }
  const std::optional<Digest>& commit() const noexcept { return commit_; }
  bool staged() const noexcept { return staged_; }
  // "commit 1a2b3c4d5e6f" or "the staged state", for messages.
  std::string where() const;

  void drop() noexcept override;
  void abandon() noexcept override;

 private:
  void give_back(std::vector<std::unique_ptr<Checkout>>& checkouts, std::uint64_t generation,
                 std::uint64_t version);

  std::shared_ptr<RepoHandle> handle_;
  std::optional<Digest> commit_;
  bool staged_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Checkout>> free_;
  std::uint64_t generation_ = 0;  // the handle generation free_ was made in
  std::uint64_t version_ = 0;     // bumped by invalidate()
};

}  // namespace hangar::python
