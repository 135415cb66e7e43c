// maintenance.h: gc. Marks every object and chunk reachable from the refs, HEAD and the staging
// area (a missing or broken reachable object aborts: gc never guesses), then sweeps the meta
// `objects` table in one txn and the chunks through Chunks::reclaim (index, then bytes).
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "repo/compaction.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

struct Marks {
  std::unordered_set<Digest> objects;
  std::unordered_set<Digest> chunks;
};

class Marker {
 public:
  Marker(const detail::RepoState& st, const lmdb::Txn& txn)
      : st_(st), txn_(txn), pages_(st.objects, txn) {}

  void commit(const Digest& tip) {
    std::vector<Digest> todo{tip};
    while (!todo.empty()) {
      check_interrupt();
      const Digest id = todo.back();
      todo.pop_back();
      if (!marks_.objects.insert(id).second) continue;
      const Commit c = decode_commit(st_.objects.get(txn_, ObjectType::Commit, id));
      for (const Digest& p : c.parents) todo.push_back(p);
      for (const CommitColumn& col : c.columns) {
        schema(col.schema);
        if (!col.records.is_zero()) tree(col.records);
      }
    }
  }

  void schema(const Digest& id) {
    if (!marks_.objects.insert(id).second) return;
    (void)st_.objects.get(txn_, ObjectType::Schema, id);
  }

  // An inline sample names its chunk; any other its descriptor object, which names chunks.
  void sample(const SampleId& s) {
    if (s.is_inline()) {
      if (s.has_chunk()) marks_.chunks.insert(s.digest());
      return;
    }
    if (!marks_.objects.insert(s.digest()).second) return;
    const Descriptor d = st_.load_descriptor(txn_, s.digest());
    marks_.chunks.insert(d.chunks.begin(), d.chunks.end());
  }

  void tree(const Digest& root) {
    if (marks_.objects.contains(root)) return;  // a shared tree: its pages are all marked
    for (const Digest& p : tree_pages(pages_, root)) {
      check_interrupt();
      if (!marks_.objects.insert(p).second) continue;
      PageDecoder page(p, pages_.get_page(p));
      if (!page.is_leaf()) continue;
      while (page.next()) sample(page.value().sample);
    }
  }

  void staging() {
    for (const auto& [name, col] : st_.staging.columns(txn_)) {
      if (col.kind != StagedColumn::Kind::Deleted) schema(col.schema);
    }
    for (const std::string& column : st_.staging.sample_columns(txn_)) {
      st_.staging.for_each_sample(txn_, column, [&](ByteView, const StagedSample& s) {
        if (s) sample(s->sample);
        return true;
      });
    }
  }

  Marks take() { return std::move(marks_); }

 private:
  const detail::RepoState& st_;
  const lmdb::Txn& txn_;
  TxnPageStore pages_;
  Marks marks_;
};

}  // namespace

GcReport gc(Repository& repo, const GcOptions& options) try {
  const bool dry_run = options.dry_run;
  detail::RepoState& st = detail::state_of(repo);
  st.require_write();
  storage::check_compact_threshold(options.threshold);  // before anything changes
  GcReport report;
  report.dry_run = dry_run;
  // No lease may be held while gc runs, and none is granted until it ends: the chunks a push
  // being received has stored are not named by any ref yet (transfer::ChunkLease). A dry run
  // says what gc would do, so it refuses the same way.
  const storage::ScopedFd no_leases = storage::try_flock(
      st.leases_file(), false,
      "a push into repository '" + st.root.string() +
          "' is being received (its chunks are not referenced yet); retry gc when it finishes");

  // Mark, then sweep the meta objects in the same write txn (we hold the repository lock, so
  // nothing else writes; readers keep their snapshots). Env::write may replay `sweep`.
  Marks marks;
  const auto sweep = [&](const lmdb::Txn& txn) {
    Marker mark(st, txn);
    for (const auto& [ref, id] : st.refs.list(txn, "refs/")) mark.commit(id);
    if (const std::optional<Digest> head = st.head(txn)) mark.commit(*head);
    mark.staging();
    marks = mark.take();
    std::vector<Digest> dead;
    report.object_bytes = 0;
    for (auto [k, v] : lmdb::prefix_range(txn, st.objects.table(), ByteView{})) {
      const Digest id = Digest::from_bytes(k);
      if (marks.objects.contains(id)) continue;
      dead.push_back(id);
      report.object_bytes += v.size();
    }
    report.objects = dead.size();
    return dead;
  };
  if (dry_run) {
    const lmdb::ReadTxn txn = st.meta.begin_read();
    (void)sweep(txn);
  } else {
    st.meta.write([&](lmdb::WriteTxn& txn) {
      for (const Digest& id : sweep(txn)) txn.del(st.objects.table(), id.view());
    });
    failpoint("gc-objects-swept");
  }

  // The index: entries no reachable sample (inline, or through its descriptor) names.
  // Chunks::reclaim removes them in one index txn before it deletes any byte, so a crash leaves no
  // entry pointing at lost bytes.
  std::vector<Digest> dead_chunks;
  {
    constexpr std::uint64_t kProgressEvery = 4096;  // chunks between progress calls
    const std::uint64_t total = options.progress ? st.chunks.stats().stored_bytes : 0;
    std::uint64_t scanned = 0, seen = 0;
    storage::LocationIndex& index = st.chunks.index();
    const lmdb::ReadTxn itxn = index.begin_read();
    index.for_each(itxn, [&](const Digest& d, const storage::ChunkLocation& loc) {
      scanned += loc.stored_size;
      if (options.progress && ++seen % kProgressEvery == 0)
        options.progress(scanned, std::max(scanned, total));
      if (marks.chunks.contains(d)) return;
      dead_chunks.push_back(d);
      report.chunk_bytes += loc.stored_size;
    });
    if (options.progress) options.progress(scanned, std::max(scanned, total));
  }
  report.chunks = dead_chunks.size();
  if (dry_run) {
    report.space.compaction = st.chunks.plan_reclaim(dead_chunks, options.threshold);
  } else {  // also with nothing dead: finishes an interrupted reclaim, compacts, returns pages
    report.space = space_of(st.chunks.reclaim(dead_chunks, options.threshold));
  }
  return report;
} catch (...) {
  rethrow_interrupted("nothing was removed");
}

}  // namespace hangar
