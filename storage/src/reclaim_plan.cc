// Chunks::reclaim's census and plan (reclaim_plan.h; the why in decision 0013).
//
// A container's live fraction is the stored bytes of the chunks the index points into it
// divided by the stored bytes of all the chunks it holds (the backend's own count: l1 segment
// data, h0 row sizes). Overheads (LMDB pages, HDF5 metadata) are left out on both sides, so a
// container that is all live is 1 however small its chunks, and is never rewritten again and
// again.
#include "reclaim_plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

namespace hangar::storage::reclaim {

std::optional<Container> container_of(const Chunks::State& s, const ChunkLocation& loc) {
  auto it = s.backends.find(loc.backend);
  if (it == s.backends.end()) return std::nullopt;
  auto id = it->second->container_of(loc);
  if (!id) return std::nullopt;
  return Container{loc.backend, *id};
}

std::uint64_t pending_bytes_of(const lmdb::Env& env) {
  struct stat st {};
  const std::filesystem::path file = env.path() / "data.mdb";
  const std::uint64_t size =
      ::stat(file.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return size - std::min(size, env.live_bytes());
}

Plan make_plan(const Chunks::State& s, std::span<const Digest> dead, double threshold) {
  Plan p;
  p.stats.threshold = threshold;
  const std::unordered_set<Digest> dead_set(dead.begin(), dead.end());
  struct Use {
    std::uint64_t live_chunks = 0;
    std::uint64_t live_bytes = 0;
    std::uint64_t dead_chunks = 0;
  };
  std::map<Container, Use> uses;
  std::uint64_t entries = 0, dead_entries = 0;
  {
    lmdb::ReadTxn txn = s.index.begin_read();
    s.index.for_each(txn, [&](const Digest& d, const ChunkLocation& loc) {
      ++entries;
      const bool is_dead = dead_set.count(d) > 0;
      dead_entries += is_dead;
      const auto c = container_of(s, loc);
      if (!c) {
        if (is_dead && loc.backend == BackendCode::Lmdb) {
          p.l0_dead.push_back(d);
          p.stats.bytes_to_free += loc.stored_size;
        }
        return;
      }
      Use& u = uses[*c];
      if (is_dead) {
        ++u.dead_chunks;
      } else {
        ++u.live_chunks;
        u.live_bytes += loc.stored_size;
      }
    });
  }

  for (const auto& [code, store] : s.backends) {
    for (const ChunkStore::ContainerInfo& info : store->containers(true)) {
      const Container c{code, info.id};
      const auto it = uses.find(c);
      const Use u = it == uses.end() ? Use{} : it->second;
      if (u.live_chunks == 0) {
        (u.dead_chunks > 0 ? p.emptied : p.garbage).insert(c);
        p.stats.bytes_to_free += info.disk_bytes;
        continue;
      }
      // Unreadable with live chunks, or nothing counted: fsck's business, not ours.
      if (!info.readable || info.stored_bytes == 0) continue;
      const std::uint64_t live = std::min(u.live_bytes, info.stored_bytes);
      if (live == info.stored_bytes) continue;  // all live
      const std::uint64_t dead_bytes = info.stored_bytes - live;
      const double fraction = static_cast<double>(live) / static_cast<double>(info.stored_bytes);
      if (fraction < threshold) {
        p.compact.insert(c);
        p.stats.chunks_moved += u.live_chunks;
        p.stats.bytes_moved += live;
        p.stats.bytes_to_free += static_cast<std::uint64_t>(
            std::llround(static_cast<double>(info.disk_bytes) * (1.0 - fraction)));
      } else {
        ++p.stats.sparse_containers;
        p.stats.sparse_dead_bytes += dead_bytes;
      }
    }
  }
  p.stats.containers_emptied = p.emptied.size();
  p.stats.containers_compacted = p.compact.size();
  p.stats.garbage_containers = p.garbage.size();

  // The index entries that go, at the index file's bytes per entry, and the pages every env
  // already has free (compaction returns both).
  const lmdb::Env& index_env = s.index.env();
  if (entries > 0) p.stats.bytes_to_free += index_env.live_bytes() / entries * dead_entries;
  p.stats.bytes_to_free += pending_bytes_of(index_env);
  for (const auto& [code, store] : s.backends)
    if (const lmdb::Env* env = store->lmdb_env()) p.stats.bytes_to_free += pending_bytes_of(*env);
  return p;
}

Containers unreferenced(const Chunks::State& s) {
  Containers out;
  for (const auto& [code, store] : s.backends)
    for (const ChunkStore::ContainerInfo& info : store->containers(false))
      out.insert({code, info.id});
  if (out.empty()) return out;
  lmdb::ReadTxn txn = s.index.begin_read();
  s.index.for_each(txn, [&](const Digest&, const ChunkLocation& loc) {
    if (const auto c = container_of(s, loc)) out.erase(*c);
  });
  return out;
}

}  // namespace hangar::storage::reclaim
