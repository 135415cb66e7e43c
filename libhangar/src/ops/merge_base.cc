// Ancestry queries on the commit DAG: is_ancestor and lowest common ancestors.
//
// The LCA computation marks every commit reachable from `a` and from `b` (two walks), takes
// the intersection C, and removes from C every proper ancestor of an element of C with one
// more walk that starts at the parents of C's elements. Every ancestor of a common ancestor is
// itself common, so that walk stays inside C. Three walks over the union of both histories:
// linear in the number of commits, with no dependence on commit times (clock skew cannot
// make it wrong, unlike date-ordered walks).
#include "ops/merge_base.h"

#include <algorithm>
#include <unordered_set>

namespace hangar {
namespace {

using DigestSet = std::unordered_set<Digest>;

// Every commit reachable from `starts` (the starts included).
DigestSet reachable(const ParentsFn& parents, std::span<const Digest> starts) {
  DigestSet seen(starts.begin(), starts.end());
  std::vector<Digest> todo(starts.begin(), starts.end());
  while (!todo.empty()) {
    const Digest c = todo.back();
    todo.pop_back();
    for (const Digest& p : parents(c))
      if (seen.insert(p).second) todo.push_back(p);
  }
  return seen;
}

}  // namespace

bool is_ancestor(const ParentsFn& parents, const Digest& ancestor, const Digest& descendant) {
  if (ancestor == descendant) return true;
  DigestSet seen{descendant};
  std::vector<Digest> todo{descendant};
  while (!todo.empty()) {
    const Digest c = todo.back();
    todo.pop_back();
    for (const Digest& p : parents(c)) {
      if (p == ancestor) return true;
      if (seen.insert(p).second) todo.push_back(p);
    }
  }
  return false;
}

std::vector<Digest> lowest_common_ancestors(const ParentsFn& parents, std::span<const Digest> a,
                                            std::span<const Digest> b) {
  const DigestSet from_a = reachable(parents, a);
  const DigestSet from_b = reachable(parents, b);
  std::vector<Digest> common;
  for (const Digest& d : from_a)
    if (from_b.count(d)) common.push_back(d);
  // Proper ancestors of common commits: walk from their parents.
  DigestSet below;
  std::vector<Digest> todo;
  for (const Digest& c : common)
    for (const Digest& p : parents(c))
      if (below.insert(p).second) todo.push_back(p);
  while (!todo.empty()) {
    const Digest c = todo.back();
    todo.pop_back();
    for (const Digest& p : parents(c))
      if (below.insert(p).second) todo.push_back(p);
  }
  std::erase_if(common, [&](const Digest& d) { return below.count(d) != 0; });
  std::sort(common.begin(), common.end());
  return common;
}

}  // namespace hangar
