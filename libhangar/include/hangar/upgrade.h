// `hangar upgrade`: converts a repository of storage format 1 (XXH3-128 addresses) into format 2
// (SHA-256 addresses) in place, crash-safe, deterministically. Why and how:
// docs/decisions/0015-upgrading-format-1.md; the folders: docs/format/repo-layout.md.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/io.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace hangar {

struct UpgradeOptions {
  // Keep the format-1 folder as <root>/.hangar.format1 instead of deleting it at the end.
  bool keep_old = false;
  // Called with (commits done, 2 x commits) while converting, then verifying. May be empty.
  ProgressFn progress;
};

struct UpgradeReport {
  std::filesystem::path root;
  bool already = false;   // format 2 already: nothing was converted
  bool finished = false;  // an interrupted upgrade's swap or cleanup was finished first
  std::uint64_t commits = 0;
  std::uint64_t branches = 0;     // refs/heads/*
  std::uint64_t remote_refs = 0;  // refs/remotes/*/*
  std::uint64_t columns = 0;      // distinct column names in the history
  std::uint64_t samples = 0;      // distinct samples (format-1 descriptors)
  std::uint64_t chunks = 0;       // distinct chunks
  std::uint64_t chunk_bytes = 0;  // their raw bytes
  // Chunks that were not local, read (and verified) from the format-1 repository that a remote
  // names by a path on this machine (a clone's origin): remote name -> its folder.
  std::uint64_t borrowed_chunks = 0;
  std::map<std::string, std::filesystem::path> chunk_sources;
  std::uint64_t disk_bytes_before = 0;  // .hangar of format 1 (like du)
  std::uint64_t disk_bytes_after = 0;   // .hangar of format 2
  double seconds = 0;
  std::string head_branch;
  // Every converted ref ("refs/heads/main") and its format-2 commit.
  std::map<std::string, Digest> refs;
  std::optional<std::filesystem::path> kept_old;  // set with keep_old
};

// Upgrades the repository at `root` (the folder holding .hangar): first finishes an interrupted
// upgrade, if any; then, for format 1, holds its writer lock and
//   1. refuses, changing nothing, a repository with staged changes or with chunks that are not
//      local (a partial clone, or a clone without its history's data): format 2 could not name
//      them. A chunk a remote given as a path to a format-1 repository on this machine holds
//      (a clone's origin) is read from there instead;
//   2. builds the format-2 repository in <root>/.hangar.upgrade (a leftover is started over)
//      with the normal writer: every commit with its author, email, time, message and parents,
//      every column, sample and chunk (read and verified against its format-1 digest), every
//      branch, remote-tracking ref, HEAD, and the config (user, remotes, clone settings);
//   3. verifies it: every commit's metadata, every sample of every commit re-read and compared
//      with the format-1 bytes, and fsck;
//   4. marks it verified (after fsyncing it), renames .hangar -> .hangar.format1 and
//      .hangar.upgrade -> .hangar, then deletes .hangar.format1 unless keep_old.
// A crash before step 4's marker leaves format 1 untouched (the next upgrade starts over); after
// it, Repository::open (or the next upgrade) finishes the swap. Deterministic: the same format-1
// history gives the same format-2 digests anywhere (a server and its full clones agree).
// A format-2 repository is left as it is (report.already).
// Throws: NotFound (no repository), InvalidArgument (staged changes), NotLocal (chunks not
// local), AlreadyExists (.hangar.format1 exists), Locked, Unsupported (a newer format),
// Corrupt (the format-1 data fails a check: nothing is changed), NoSpace, Io, Interrupted
// (before the swap: nothing is changed).
UpgradeReport upgrade_repository(const std::filesystem::path& root, const UpgradeOptions& options);

}  // namespace hangar
