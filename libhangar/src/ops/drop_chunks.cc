// maintenance.h: drop_local_chunks. The staged samples' chunks are
// kept, everything else asked for goes through storage::Chunks::reclaim.
#include <hangar/error.h>
#include <hangar/maintenance.h>

#include <unordered_set>
#include <vector>

#include "model/descriptor.h"
#include "repo/compaction.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"

namespace hangar {
namespace {

// The chunks staged (uncommitted) samples use.
std::unordered_set<Digest> staged_chunks(const detail::RepoState& st) {
  std::unordered_set<Digest> out;
  const lmdb::ReadTxn txn = st.meta.begin_read();
  for (const std::string& column : st.staging.sample_columns(txn)) {
    st.staging.for_each_sample(txn, column, [&](ByteView, const StagedSample& s) {
      if (s && s->sample.is_inline()) {
        if (s->sample.has_chunk()) out.insert(s->sample.digest());
      } else if (s) {
        const Descriptor d = st.load_descriptor(txn, s->sample.digest());
        out.insert(d.chunks.begin(), d.chunks.end());
      }
      return true;
    });
  }
  return out;
}

}  // namespace

DropChunksReport drop_local_chunks(Repository& repo, std::span<const Digest> chunks,
                                   double threshold, bool dry_run) {
  detail::RepoState& st = detail::state_of(repo);
  st.require_write();
  storage::check_compact_threshold(threshold);
  DropChunksReport report;
  const std::unordered_set<Digest> staged = staged_chunks(st);
  std::vector<Digest> drop;
  std::unordered_set<Digest> seen;
  for (const Digest& d : chunks) {
    if (!seen.insert(d).second) continue;
    if (staged.contains(d)) {
      ++report.chunks_staged;
      continue;
    }
    drop.push_back(d);
  }
  if (dry_run) {
    report.space.compaction = st.chunks.plan_reclaim(drop, threshold);
    const lmdb::ReadTxn txn = st.chunks.index().begin_read();
    for (const Digest& d : drop) {
      if (const auto loc = st.chunks.index().find(txn, d)) {
        ++report.chunks_dropped;
        report.stored_bytes += loc->stored_size;
      }
    }
    return report;
  }
  const storage::ReclaimReport r = st.chunks.reclaim(drop, threshold);
  report.chunks_dropped = r.chunks_removed;
  report.stored_bytes = r.stored_bytes_removed;
  report.space = space_of(r);
  return report;
}

}  // namespace hangar
