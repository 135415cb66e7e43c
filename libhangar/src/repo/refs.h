// Refs in the meta env's `refs` table: "HEAD" holds the current branch's full ref name
// ("refs/heads/main"); "refs/heads/NAME", "refs/tags/NAME" and "refs/remotes/R/NAME" hold a
// 32-byte commit digest.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/storage/lmdb.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

namespace lmdb = storage::lmdb;

class RefStore {
 public:
  explicit RefStore(lmdb::Table table) : table_(table) {}

  std::optional<Digest> read(const lmdb::Txn& txn, std::string_view ref) const;
  // Sets `ref` to `desired` only if it currently equals `expected` (nullopt: must not exist).
  // Returns false, changing nothing, otherwise.
  bool compare_and_swap(lmdb::WriteTxn& txn, std::string_view ref,
                        const std::optional<Digest>& expected, const Digest& desired) const;
  // Returns false when absent.
  bool remove(lmdb::WriteTxn& txn, std::string_view ref) const;
  // Full ref names under `prefix` ("refs/heads/") with their digests, sorted.
  std::vector<std::pair<std::string, Digest>> list(const lmdb::Txn& txn,
                                                   std::string_view prefix) const;

  // HEAD's branch name ("main"). Throws: Corrupt when HEAD is missing or malformed.
  std::string head_branch(const lmdb::Txn& txn) const;
  void set_head_branch(lmdb::WriteTxn& txn, std::string_view branch) const;

  // While this ref exists HEAD is detached at its commit (a read-only checkout: commit and
  // merge are refused); "HEAD" keeps naming the branch checked out before. Under refs/ so
  // that gc keeps its commit.
  static constexpr std::string_view kDetachedRef = "refs/detached/HEAD";

  static std::string branch_ref(std::string_view branch) {
    return "refs/heads/" + std::string(branch);
  }
  static std::string tag_ref(std::string_view tag) { return "refs/tags/" + std::string(tag); }

 private:
  lmdb::Table table_;
};

}  // namespace hangar
