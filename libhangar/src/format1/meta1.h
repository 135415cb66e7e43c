// The `meta` LMDB environment of a format-1 repository (format 1's docs/format/repo-layout.md):
// content-addressed objects keyed by 16-byte digests, refs (HEAD names a branch; every other
// ref holds a 16-byte commit digest) and the staging tables. Opened read-only without touching
// any file (no lock.mdb use), over one snapshot. Part of the frozen format-1 reader.
#pragma once

#include <hangar/object_type.h>
#include <hangar/storage/lmdb.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format1/digest1.h"
#include "format1/objects1.h"

namespace hangar::format1 {

// Object kind bytes of format 1: the same permanent values as today's (object_type.h).
using Kind1 = ObjectType;

struct StagedCounts1 {
  std::uint64_t columns = 0;  // entries of staged_columns
  std::uint64_t samples = 0;  // entries of staged_samples
  bool empty() const noexcept { return columns == 0 && samples == 0; }
};

// Not thread-safe; move-only. Views it returns live as long as it does.
class Meta1 {
 public:
  // REQUIRES: no process writes the environment meanwhile (the caller holds the repository's
  // writer lock, or the files are a copy). Throws: NotFound (no meta env or table), Corrupt, Io.
  static Meta1 open(const std::filesystem::path& meta_dir);

  Meta1(Meta1&&) noexcept = default;
  Meta1& operator=(Meta1&&) noexcept = default;
  ~Meta1() = default;

  // The object's bytes after checking that its XXH3-128 is `id` and its first byte is `kind`
  // (either page kind for a page). Throws: NotFound naming the kind and digest, Corrupt.
  ByteView object(Kind1 kind, const Digest1& id) const;
  bool contains(const Digest1& id) const;

  Commit1 commit(const Digest1& id) const;
  Schema1 schema(const Digest1& id) const;
  Descriptor1 descriptor(const Digest1& id) const;

  // The branch HEAD names ("main"). Throws: Corrupt (missing, or not refs/heads/...).
  std::string head_branch() const;
  // Every ref but HEAD ("refs/heads/main", "refs/remotes/origin/main"), sorted by name.
  // Throws: Corrupt (a value that is not 16 bytes).
  std::vector<std::pair<std::string, Digest1>> refs() const;
  StagedCounts1 staged() const;

 private:
  Meta1(storage::lmdb::Env env, storage::lmdb::ReadTxn txn);
  storage::lmdb::Env env_;
  storage::lmdb::ReadTxn txn_;
};

}  // namespace hangar::format1
