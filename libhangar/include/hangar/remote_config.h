// The remote configuration of a repository, for the CLI, the Python binding and the remote
// module: its remotes (the .hangar/config keys remote.NAME.url, remote.NAME.insecure,
// clone.remote, store.url), the marker of an unfinished clone, and the remote-tracking branches.
// The transfer engine the remote module builds on (history walks, verified object and chunk
// writes) is hangar/transfer.h, which only the remote module sees (decision 0021). The namespace
// stays hangar::transfer, where these functions were before.
#pragma once

#include <hangar/error.h>
#include <hangar/repository.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::transfer {

// ---- remotes (the .hangar/config keys remote.NAME.url, remote.NAME.insecure, clone.remote) ----

struct RemoteInfo {
  std::string name;
  std::string url;        // http[s]://host:port[/path], s3://bucket/prefix, or an absolute path
  bool insecure = false;  // https:// without verifying the server's certificate
};

// Throws InvalidArgument unless `name` matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}.
void validate_remote_name(std::string_view name);
// Sorted by name.
std::vector<RemoteInfo> remotes(const Repository& repo);
std::optional<std::string> find_remote_url(const Repository& repo, std::string_view name);
// The URL of remote `name` of the repository at `root` (Repository::root()) as its config
// file says now; find_remote_url answers from the config read at open, and another process
// may have run 'hangar remote set-url' since. nullopt when the remote is gone.
// Throws: NotFound, Io, Corrupt (a malformed config file).
std::optional<std::string> current_remote_url(const std::filesystem::path& root,
                                              std::string_view name);
// REQUIRES Write. Throws: InvalidArgument (name or empty url), AlreadyExists, Io.
void add_remote(Repository& repo, std::string_view name, std::string_view url);
// Points an existing remote at another URL (a server that moved), keeping its remote-tracking
// refs and the clone's link to it. REQUIRES Write. Throws: NotFound (listing remotes),
// InvalidArgument (empty url), Io.
void set_remote_url(Repository& repo, std::string_view name, std::string_view url);
// Also deletes its remote-tracking refs. REQUIRES Write. Throws: NotFound (listing remotes), Io.
void remove_remote(Repository& repo, std::string_view name);
// Whether connections to remote `name` skip the TLS certificate checks (remote.NAME.insecure,
// set by 'hangar remote add|set-url --insecure' and 'hangar clone --insecure'); false for an
// unknown remote.
bool is_remote_insecure(const Repository& repo, std::string_view name);
// Sets or clears remote.NAME.insecure. REQUIRES Write. Throws: NotFound (listing remotes), Io.
void set_remote_insecure(Repository& repo, std::string_view name, bool insecure);
// Records that this repository was cloned from remote `name` (clone.remote). REQUIRES Write.
void set_clone_remote(Repository& repo, std::string_view name);
// Records that this repository's chunk data lives in the object store `url` (store.url; a
// server started with --store, decision 0016): its chunks are then not taken for local.
// REQUIRES Write. Throws: Io.
void set_store_url(Repository& repo, std::string_view url);
// The remote a 'hangar fetch-data' hint should name: clone.remote, else the only remote,
// else "origin".
std::string default_remote(const Repository& repo);
// ---- an interrupted clone (the .hangar/config keys clone.incomplete and clone.selection) ----
// A clone writes these keys with the repository's first config (Repository::init), before any
// history or data arrives, and removes them once everything it selected is local: a clone that
// died on the way (kill -9, power loss) stays marked, and status, summary and export say so.
// A finished partial clone (a data selection, --no-data, --lazy) is complete: it is not marked.

struct IncompleteClone {
  std::string url;        // what the clone copies (clone.incomplete)
  std::string remote;     // its remote here: clone.remote, else "origin"
  std::string selection;  // the clone's data selection as the remote module encodes it
};

// The config settings that mark a clone of `url` unfinished.
std::map<std::string, std::string> incomplete_clone_settings(std::string_view url,
                                                             std::string_view selection);
// nullopt when the repository is not an unfinished clone.
std::optional<IncompleteClone> incomplete_clone(const Repository& repo);
// What to do about it: a CompleteClone hint (fetch the data from clone.remote, or run the same
// clone again).
Hint complete_clone_hint(const Repository& repo, const IncompleteClone& clone);
// The clone is complete: removes the marker. REQUIRES Write. Throws: NoSpace, Io.
void finish_clone(Repository& repo);

// Remote-tracking branches as "R/B" (e.g. "origin/main"), sorted; all remotes when `remote`
// is empty. `current` is always false.
std::vector<BranchInfo> remote_branches(const Repository& repo, std::string_view remote = {});

}  // namespace hangar::transfer
