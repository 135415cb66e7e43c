// The diff engine behind Repository::diff and Repository::show, taking its PageStore as a
// parameter so that tests can count the pages a repository diff reads. Private to libhangar.
#pragma once

#include <hangar/diff.h>

#include "repo/repo_state.h"
#include "tree/record_tree.h"

namespace hangar::detail {

// Computes spec.from -> spec.to (see Repository::diff). `pages` must read the objects of
// `txn`'s snapshot. Throws: NotFound (a commit), Corrupt.
DiffResult compute_diff(const RepoState& st, const lmdb::Txn& txn, PageStore& pages,
                        const DiffSpec& spec);

}  // namespace hangar::detail
