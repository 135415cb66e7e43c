// Repository::commit applies staged samples in key-ordered batches (repository_staging.cc);
// record trees are canonical, so the batched result must equal the tree built at once.
#include <hangar/repository.h>

#include <catch2/catch.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "history_test_util.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"

namespace hangar {
namespace {

using namespace history_test;

Digest records_root(Repository& repo, const Digest& commit) {
  auto& st = detail::state_of(repo);
  auto txn = st.meta.begin_read();
  return st.load_commit(txn, commit).columns.at(0).records;
}

TEST_CASE("commit of more samples than a batch builds the same tree as at once", "[core][commit]") {
  // 160,000 keys: more than two commit batches of 65,536.
  Values base;
  for (std::uint64_t k = 0; k < 160000; ++k) base[2 * k] = static_cast<std::int64_t>(k);
  TempRepo a;
  a.repo.create_column(int_column("v"));
  stage_bulk(a.repo, "v", base);
  const Digest c1 = a.repo.commit("base");
  CHECK(contents(a.repo, c1, "v") == base);

  // Changes spread over every batch: mutate every 3rd key, delete every 5th, add odd keys.
  Values want = base, put;
  std::vector<std::pair<Key, std::optional<Key>>> deleted;
  for (std::uint64_t k = 0; k < 160000; ++k) {
    if (k % 5 == 0) {
      const Key key(2 * k);  // a named Key: a temporary trips GCC 12's -Wmaybe-uninitialized
      deleted.emplace_back(key, std::nullopt);
      want.erase(2 * k);
    } else if (k % 3 == 0) {
      put[2 * k] = want[2 * k] = -1;
    }
    if (k % 7 == 0) put[2 * k + 1] = want[2 * k + 1] = 7;
  }
  stage_bulk(a.repo, "v", put);
  a.repo.remove("v", deleted);
  const Digest c2 = a.repo.commit("changes");
  CHECK(contents(a.repo, c2, "v") == want);

  TempRepo b;
  b.repo.create_column(int_column("v"));
  stage_bulk(b.repo, "v", want);
  const Digest d = b.repo.commit("at once");
  CHECK(records_root(a.repo, c2) == records_root(b.repo, d));
  CHECK(records_root(a.repo, c1) != records_root(a.repo, c2));
}

}  // namespace
}  // namespace hangar
