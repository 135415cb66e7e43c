#include "checkout_core.h"

namespace hangar::python {

namespace {
// Enough for every core reading a batch plus a few Python threads.
constexpr std::size_t kMaxPooled = 10;
}  // namespace

CheckoutCore::CheckoutCore(std::shared_ptr<RepoHandle> handle, std::optional<Digest> commit,
                           bool staged)
    : handle_(std::move(handle)), commit_(commit), staged_(staged) {
  handle_->add(this);
}

CheckoutCore::~CheckoutCore() {
  handle_->remove(this);
  // Destroyed with the handle leased, so that a switch cannot close the Repository meanwhile.
  try {
    auto lease = handle_->lease();
    std::lock_guard guard(mutex_);
    if (lease.generation() == generation_) free_.clear();
  } catch (...) {
    abandon();  // the repository cannot be opened any more: nothing of it is left to close
  }
}

CheckoutCore::Use::~Use() {
  if (owner_ != nullptr) owner_->give_back(checkouts_, lease_.generation(), version_);
}

CheckoutCore::Use CheckoutCore::use(std::size_t count) {
  RepoHandle::Lease lease = handle_->lease();
  Use use(this, std::move(lease), 0);
  {
    std::lock_guard guard(mutex_);
    if (generation_ != use.lease_.generation()) {
      free_.clear();  // empty already: a switch drops them first
      generation_ = use.lease_.generation();
    }
    use.version_ = version_;
    while (use.checkouts_.size() < count && !free_.empty()) {
      use.checkouts_.push_back(std::move(free_.back()));
      free_.pop_back();
    }
  }
  Repository& repo = use.lease_.repo();
  while (use.checkouts_.size() < count)
    use.checkouts_.push_back(
        std::make_unique<Checkout>(staged_ ? repo.staged_view() : repo.checkout_at(*commit_)));
  return use;
}

void CheckoutCore::give_back(std::vector<std::unique_ptr<Checkout>>& checkouts,
                             std::uint64_t generation, std::uint64_t version) {
  std::lock_guard guard(mutex_);
  for (auto& c : checkouts) {
    if (generation == generation_ && version == version_ && free_.size() < kMaxPooled)
      free_.push_back(std::move(c));
    else
      c.reset();  // destroyed here, while the Use's lease still holds the handle
  }
}

void CheckoutCore::invalidate() {
  std::vector<std::unique_ptr<Checkout>> stale;
  std::lock_guard guard(mutex_);
  ++version_;
  stale.swap(free_);
}

std::string CheckoutCore::where() const {
  return staged_ ? std::string("the staged state") : "commit " + commit_->short_hex();
}

void CheckoutCore::drop() noexcept {
  std::lock_guard guard(mutex_);
  free_.clear();
}

void CheckoutCore::abandon() noexcept {
  std::lock_guard guard(mutex_);
  for (auto& c : free_) (void)c.release();
  free_.clear();
}

}  // namespace hangar::python
