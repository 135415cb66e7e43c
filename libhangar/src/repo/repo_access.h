// The library's own access to a Repository's state: libhangar's modules (import, gc, fsck, the
// transfer engine, upgrade) and its unit tests reach the LMDB environments and caches behind the
// public Repository through here. Not a public header (libhangar/src is on the include path of
// libhangar and its tests only).
#pragma once

#include <hangar/repository.h>

#include <memory>
#include <utility>

#include "repo/repo_state.h"

namespace hangar::detail {

struct RepoAccess {
  static RepoState& state(Repository& repo) noexcept { return *repo.state_; }
  static const RepoState& state(const Repository& repo) noexcept { return *repo.state_; }
  static Repository make(std::unique_ptr<RepoState> state) { return Repository(std::move(state)); }
};

inline RepoState& state_of(Repository& repo) noexcept { return RepoAccess::state(repo); }
inline const RepoState& state_of(const Repository& repo) noexcept {
  return RepoAccess::state(repo);
}

}  // namespace hangar::detail
