// The location index: an LMDB env mapping chunk digest -> encoded ChunkLocation, plus running
// totals for `summary`. A digest absent here is "not local" (partial clone), a value, not an
// error. Concrete class (STYLE 8.4), tested against a temporary env.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/storage/chunk_store.h>
#include <hangar/storage/lmdb.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <utility>

namespace hangar::storage {

struct ChunkStats {
  std::uint64_t chunks = 0;        // locally stored chunks
  std::uint64_t stored_bytes = 0;  // bytes on disk (after compression)
  std::uint64_t raw_bytes = 0;     // bytes once decoded
  bool operator==(const ChunkStats&) const = default;
};

// Thread-safety: find()/stats()/begin_read() may run on many threads; writes (commit/remove)
// from one thread at a time (LMDB serialises them anyway). Move-only.
class LocationIndex {
 public:
  // Opens or creates (unless read_only) the env in directory `dir`.
  // Throws: NotFound (read_only, no index), Corrupt, Io.
  static LocationIndex open(const std::filesystem::path& dir, bool read_only,
                            const lmdb::EnvOptions& base = {});

  lmdb::ReadTxn begin_read() const { return env_.begin_read(); }

  // nullopt = not local. Throws: Corrupt (undecodable record), Unsupported, Io.
  std::optional<ChunkLocation> find(const lmdb::Txn& txn, const Digest& digest) const;
  std::optional<ChunkLocation> find(const Digest& digest) const;
  bool contains(const lmdb::Txn& txn, const Digest& digest) const;

  // Adds every (digest, location) not yet present, and the totals, in ONE committed txn.
  // Returns how many were new. Throws: NoSpace, Corrupt, Io.
  std::size_t commit(std::span<const std::pair<Digest, ChunkLocation>> entries);
  // Removes the digests (gc); returns how many were present. Throws: NoSpace, Corrupt, Io.
  std::size_t remove(std::span<const Digest> digests);

  // A chunk that moved (Chunks::reclaim): its entry becomes `to` only if it is still `from`.
  struct Move {
    Digest digest;
    ChunkLocation from;
    ChunkLocation to;
  };
  // Applies the moves in ONE committed txn, adjusting stored_bytes; returns how many applied.
  // Throws: NoSpace, Corrupt, Io.
  std::size_t relocate(std::span<const Move> moves);

  ChunkStats stats(const lmdb::Txn& txn) const;
  ChunkStats stats() const;

  // Calls fn(digest, location) for every entry in digest order (fsck, gc, push).
  // Throws: Corrupt, Io, and whatever fn throws.
  void for_each(const lmdb::Txn& txn,
                const std::function<void(const Digest&, const ChunkLocation&)>& fn) const;

  lmdb::Env& env() noexcept { return env_; }
  const lmdb::Env& env() const noexcept { return env_; }

 private:
  LocationIndex(lmdb::Env env);
  lmdb::Env env_;
  lmdb::Table locations_;
  lmdb::Table meta_;
};

}  // namespace hangar::storage
