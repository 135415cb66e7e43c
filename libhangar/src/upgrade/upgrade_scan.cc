// The census of a format-1 history (upgrade_scan.h).
#include "upgrade/upgrade_scan.h"

#include <hangar/base/interrupt.h>
#include <hangar/error.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "format1/grid1.h"

namespace hangar::upgrade {
namespace {

using format1::Digest1;

// Parents before children; among commits whose parents are all listed, the smallest digest
// first, so that the order is a function of the history alone.
std::vector<Digest1> topological(const format1::Meta1& meta, const std::vector<Digest1>& tips) {
  std::map<Digest1, std::vector<Digest1>> parents;
  std::vector<Digest1> todo(tips);
  while (!todo.empty()) {
    const Digest1 d = todo.back();
    todo.pop_back();
    if (parents.count(d)) continue;
    auto& ps = parents[d] = meta.commit(d).parents;
    todo.insert(todo.end(), ps.begin(), ps.end());
    check_interrupt();
  }
  std::map<Digest1, std::vector<Digest1>> children;
  std::map<Digest1, std::size_t> waiting;
  std::set<Digest1> ready;
  for (const auto& [d, ps] : parents) {
    waiting[d] = std::set<Digest1>(ps.begin(), ps.end()).size();
    for (const Digest1& p : std::set<Digest1>(ps.begin(), ps.end())) children[p].push_back(d);
    if (waiting[d] == 0) ready.insert(d);
  }
  std::vector<Digest1> order;
  while (!ready.empty()) {
    const Digest1 d = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(d);
    for (const Digest1& c : children[d])
      if (--waiting[c] == 0) ready.insert(c);
  }
  if (order.size() != parents.size())
    fail(ErrorCode::Corrupt, "corrupt format-1 history: a commit is its own ancestor");
  return order;
}

class Census {
 public:
  Census(const format1::Repo1& repo, History1& out) : repo_(repo), out_(out) {}

  void page(const Digest1& id) {
    if (id.is_zero() || !pages_.insert(id).second) return;
    const format1::Page1 p =
        format1::decode_page1(id, repo_.meta().object(format1::Kind1::LeafPage, id));
    for (const auto& e : p.entries) {
      if (p.level > 0) {
        page(e.digest);
      } else {
        sample(e.digest);
      }
    }
  }

 private:
  void sample(const Digest1& id) {
    if (!samples_.insert(id).second) return;
    ++out_.samples;
    const format1::Descriptor1 d = repo_.meta().descriptor(id);
    const format1::Grid1 grid = format1::Grid1::choose(d.dtype, d.shape);
    for (std::uint64_t i = 0; i < d.chunks.size(); ++i) {
      const Digest1& c = d.chunks[i];
      if (!chunks_.insert(c).second) continue;
      ++out_.chunks;
      out_.chunk_bytes += grid.block_bytes(i);
      if (repo_.chunks().contains(c)) continue;
      if (repo_.has_chunk(c)) {
        ++out_.borrowed_chunks;
      } else {
        ++out_.missing_chunks;
      }
    }
    if (samples_.size() % 4096 == 0) check_interrupt();
  }

  const format1::Repo1& repo_;
  History1& out_;
  std::unordered_set<Digest1> pages_, samples_, chunks_;
};

}  // namespace

History1 scan_history(const format1::Repo1& repo) {
  History1 h;
  h.head_branch = repo.meta().head_branch();
  h.refs = repo.meta().refs();
  std::vector<Digest1> tips;
  for (const auto& [name, d] : h.refs) tips.push_back(d);
  h.commits = topological(repo.meta(), tips);
  Census census(repo, h);
  std::set<std::string> columns;
  for (const Digest1& id : h.commits) {
    for (const auto& col : repo.meta().commit(id).columns) {
      columns.insert(col.name);
      repo.meta().schema(col.schema);
      census.page(col.records);
    }
  }
  h.columns = columns.size();
  return h;
}

}  // namespace hangar::upgrade
