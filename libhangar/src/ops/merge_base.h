// Merge bases: ancestry queries on the commit DAG, independent of storage (the DAG is given
// as a parents function, so tests can use synthetic histories).
//
// Criss-cross histories have several lowest common ancestors (LCAs). We do NOT pick one of
// them: merge.cc builds a *virtual* merge base like git's recursive/ort strategies, by
// merging the LCAs (recursively, against their own merge bases) with every conflict of that
// virtual merge set to a sentinel value that equals no real sample. Why: picking one LCA
// silently takes one side's resolution when the two earlier merges resolved the same
// conflict differently (the picked LCA equals one side there, so the other side "wins"); the
// virtual base differs from both resolutions, so the conflict is reported again, while
// changes the two histories agree on still merge cleanly. The LCA list itself is sorted by
// digest, so the fold order (and so the result) is deterministic.
#pragma once

#include <hangar/base/digest.h>

#include <functional>
#include <span>
#include <vector>

namespace hangar {

// The parents of a commit (0, 1 or 2). May throw (NotFound, Corrupt); errors pass through.
using ParentsFn = std::function<std::vector<Digest>(const Digest&)>;

// True when `ancestor` is `descendant` or reachable from it through parent links.
// Visits at most the ancestors of `descendant`. Throws what `parents` throws.
bool is_ancestor(const ParentsFn& parents, const Digest& ancestor, const Digest& descendant);

// The lowest common ancestors of two sets of commits, a set standing for a (virtual) commit
// whose parents they are: the commits reachable from some element of `a` and some element of
// `b` (each commit is reachable from itself) that are not a proper ancestor of another such
// commit. Sorted by digest; empty when the histories are unrelated. O(commits reachable from
// a and b) parent lookups. Throws what `parents` throws.
std::vector<Digest> lowest_common_ancestors(const ParentsFn& parents, std::span<const Digest> a,
                                            std::span<const Digest> b);

}  // namespace hangar
