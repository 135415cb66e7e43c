// In-memory PageStore for tests: an unordered_map of pages that counts get/put calls, so
// tests can assert how many pages an operation read or wrote (libgit2's fake-odb idea).
#pragma once

#include <hangar/base/digest.h>
#include <hangar/error.h>

#include <cstddef>
#include <unordered_map>
#include <unordered_set>

#include "tree/record_tree.h"

namespace hangar::testing {

class MemoryPageStore final : public PageStore {
 public:
  // Views stay valid until the page is replaced or erased (map nodes do not move).
  ByteView get_page(const Digest& id) override {
    ++gets_;
    auto it = pages_.find(id);
    if (it == pages_.end()) fail(ErrorCode::NotFound, "page " + id.hex() + " not found");
    return it->second;
  }
  void put_page(const Digest& id, ByteView bytes) override {
    ++puts_;
    if (digest_of(bytes) != id)
      fail(ErrorCode::Internal, "put_page: id " + id.hex() + " is not the digest of the bytes");
    pages_.try_emplace(id, bytes.begin(), bytes.end());
    put_ids_.insert(id);
  }

  std::size_t gets() const noexcept { return gets_; }
  std::size_t puts() const noexcept { return puts_; }
  // Distinct pages put since the last reset_counts().
  std::size_t distinct_puts() const noexcept { return put_ids_.size(); }
  void reset_counts() noexcept {
    gets_ = 0;
    puts_ = 0;
    put_ids_.clear();
  }

  std::size_t size() const noexcept { return pages_.size(); }
  bool contains(const Digest& id) const { return pages_.count(id) != 0; }
  // Test hooks: replace a page's bytes without re-keying, or drop it.
  void overwrite(const Digest& id, Bytes bytes) { pages_[id] = std::move(bytes); }
  void erase(const Digest& id) { pages_.erase(id); }

 private:
  std::unordered_map<Digest, Bytes> pages_;
  std::unordered_set<Digest> put_ids_;
  std::size_t gets_ = 0;
  std::size_t puts_ = 0;
};

}  // namespace hangar::testing
