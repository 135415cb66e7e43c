// Helpers shared by the transfer*.cc files (transfer.h): history walks over one LMDB txn.
// Private to libhangar.
#pragma once

#include <hangar/storage/digest.h>
#include <hangar/storage/lmdb.h>

#include <optional>
#include <string>
#include <string_view>

#include "repo_state.h"

namespace hangar::detail {

// True when `id` names a commit object in `txn`.
bool is_commit_in(const RepoState& state, const lmdb::Txn& txn, const Digest& id);
// True when `ancestor` is `descendant` or reachable from it through parents.
// Throws: NotFound (descendant missing), Corrupt.
bool is_ancestor_in(const RepoState& state, const lmdb::Txn& txn, const Digest& ancestor,
                    const Digest& descendant);
// Throws InvalidArgument unless `ref` is "refs/heads/<branch>" or "refs/remotes/<remote>/<branch>"
// with a valid remote name and branch name.
void validate_full_ref(std::string_view ref);
// The remote a 'hangar fetch-data' hint names (transfer::default_remote).
std::string hint_remote(const RepoState& state);

}  // namespace hangar::detail
