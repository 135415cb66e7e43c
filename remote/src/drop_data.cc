// drop-data (drop_data.h): candidates -> chunks to drop -> the two proofs that the remote holds
// them (remote-tracking history, then the remote's own answer) -> drop_local_chunks.
// Nothing changes before both proofs hold for every chunk.
#include <hangar/error.h>
#include <hangar/remote/drop_data.h>
#include <hangar/remote/operations.h>
#include <hangar/remote/selection.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "client.h"

namespace hangar::remote {
namespace {

struct Candidate {
  SampleId sample;
  std::vector<Digest> chunks;
  bool kept = false;  // by keep_bytes
};

// Walks the selected commits once: the candidate samples (each once per column), and every
// other sample seen there (for the "also dropped" count).
class Walker {
 public:
  Walker(const Repository& repo, const DropDataOptions& o)
      : repo_(repo), o_(o), history_(repo), keys_(o.keys.begin(), o.keys.end()) {}

  void commit(const Digest& c) {
    const Checkout view = repo_.checkout_at(c);
    for (const std::string& name : view.column_names()) {
      const bool wanted = o_.columns.empty() ||
                          std::find(o_.columns.begin(), o_.columns.end(), name) != o_.columns.end();
      if (wanted) found_.insert(name);
      view.for_each(name, [&](const SampleRef& ref) {
        if (!wanted || (!keys_.empty() && !keys_.count(ref.key))) {
          others_.insert(ref.sample);
          return true;
        }
        if (!keys_.empty()) matched_.insert(ref.key);
        if (!seen_[name].insert(ref.sample).second) return true;
        Candidate cand{ref.sample, history_.sample_chunks(ref.sample), false};
        if (o_.keep_bytes && !full_.count(name)) {
          std::uint64_t& used = used_[name];
          if (ref.nbytes <= *o_.keep_bytes - used) {
            used += ref.nbytes;
            cand.kept = true;
          } else {
            full_.insert(name);  // key order: the first that does not fit ends the kept run
          }
        }
        candidates.push_back(std::move(cand));
        return true;
      });
    }
  }

  // Throws NotFound for a selected column or key that no selected commit has.
  void check_selection(const std::string& where) const {
    for (const std::string& name : o_.columns)
      if (!found_.count(name))
        fail(ErrorCode::NotFound, "no column '" + name + "' at " + where,
             Hint{.action = HintAction::ColumnList});
    std::vector<Key> unmatched;
    for (const Key& k : keys_)
      if (!matched_.count(k)) unmatched.push_back(k);
    if (!unmatched.empty())
      fail_unmatched_keys(
          unmatched, (o_.columns.empty() ? "any column at " : "the selected columns at ") + where);
  }

  // Samples seen that are not candidates and use one of `dropped`.
  std::uint64_t others_using(const std::unordered_set<Digest>& dropped,
                             const std::unordered_set<SampleId>& candidate_samples) const {
    std::uint64_t n = 0;
    for (const SampleId& s : others_) {
      if (candidate_samples.count(s)) continue;
      const auto chunks = history_.sample_chunks(s);
      if (std::any_of(chunks.begin(), chunks.end(),
                      [&](const Digest& c) { return dropped.count(c) > 0; }))
        ++n;
    }
    return n;
  }

  const transfer::HistoryReader& history() const { return history_; }

  std::vector<Candidate> candidates;

 private:
  const Repository& repo_;
  const DropDataOptions& o_;
  transfer::HistoryReader history_;
  std::set<Key> keys_;
  std::set<Key> matched_;  // of keys_, those a selected column has
  std::set<std::string> found_;
  std::map<std::string, std::unordered_set<SampleId>> seen_;
  std::unordered_set<SampleId> others_;
  std::map<std::string, std::uint64_t> used_;
  std::set<std::string> full_;
};

// The commits whose samples are candidates, newest first.
std::vector<Digest> selected_commits(const Repository& repo, const DropDataOptions& o,
                                     const transfer::HistoryReader& history) {
  if (!o.all_history) return {repo.resolve(o.ref.value_or("HEAD"))};
  std::vector<Digest> tips;
  for (const auto& r : history.refs(transfer::kHeadsPrefix)) tips.push_back(r.commit);
  try {
    tips.push_back(repo.resolve("HEAD"));  // a detached HEAD is no branch
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;  // an unborn branch: no commit
  }
  std::vector<Digest> commits = history.commits_between(tips, {});
  std::reverse(commits.begin(), commits.end());  // parents first -> newest first
  return commits;
}

// The chunks of every commit reachable from refs/remotes/REMOTE/*.
std::unordered_set<Digest> remote_tracked_chunks(const Repository& repo,
                                                 const transfer::HistoryReader& history,
                                                 const std::string& remote) {
  std::unordered_set<Digest> out;
  DataSelection all;
  all.all_history = true;
  for (const auto& r : history.refs(std::string(transfer::kRemotesPrefix) + remote + "/")) {
    const SelectionResult s = select_chunks(repo, r.commit, all);
    out.insert(s.chunks.begin(), s.chunks.end());
  }
  return out;
}

// The digests of `ids` the remote says it lacks. Throws Remote when it cannot be asked.
std::vector<Digest> ask_remote(const std::string& remote, const std::string& url,
                               const std::vector<Digest>& ids, const TransportOptions& options) {
  try {
    client::Connection conn = client::connect(url, options);
    std::vector<Digest> lacking;
    for (std::size_t at = 0; at < ids.size(); at += kMaxDigestsPerRequest) {
      const std::size_t n = std::min(kMaxDigestsPerRequest, ids.size() - at);
      const auto part = conn.transport->missing_chunks(std::span(ids).subspan(at, n));
      lacking.insert(lacking.end(), part.begin(), part.end());
    }
    return lacking;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Internal) throw;
    fail(ErrorCode::Remote, "cannot confirm that remote '" + remote + "' (" + url +
                                ") holds the data to drop: " + e.what() +
                                "; nothing was dropped; retry when it is reachable");
  }
}

std::string branch_hint(const Repository& repo) {
  try {
    return repo.current_branch();
  } catch (const Error&) {
    return "BRANCH";
  }
}

// Drops `to_drop` (checked by the caller), or with dry_run reports what that would drop.
DropDataResult finish(Repository& repo, const DropDataOptions& o,
                      const std::vector<Digest>& to_drop, DropDataResult out) {
  if (o.dry_run) {
    out.chunks_dropped = to_drop.size();
    {
      transfer::ChunkSource source(repo);
      for (const Digest& d : to_drop)
        if (auto c = source.read_stored(d)) out.stored_bytes += c->stored.size();
    }
    out.space = drop_local_chunks(repo, to_drop, o.threshold, true).space;
    return out;
  }
  const DropChunksReport r = drop_local_chunks(repo, to_drop, o.threshold);
  out.chunks_dropped = r.chunks_dropped;
  out.stored_bytes = r.stored_bytes;
  out.chunks_staged = r.chunks_staged;
  out.space = r.space;
  return out;
}

// The local chunks of the dropped candidates, in selection order, each proven to be on the
// remote (throws otherwise); fills the sample counts of `out`. Every view and snapshot it
// opens is closed when it returns.
std::vector<Digest> checked_chunks_to_drop(Repository& repo, const DropDataOptions& o,
                                           const client::RemoteTarget& target,
                                           DropDataResult& out) {
  Walker walk(repo, o);
  const std::vector<Digest> commits = selected_commits(repo, o, walk.history());
  if (!o.all_history) out.commit = commits.front();
  for (const Digest& c : commits) walk.commit(c);
  walk.check_selection(o.all_history ? "any commit" : "commit " + commits.front().short_hex());

  std::unordered_set<Digest> kept_chunks, seen;
  for (const Candidate& c : walk.candidates)
    if (c.kept) kept_chunks.insert(c.chunks.begin(), c.chunks.end());
  std::vector<Digest> wanted;
  for (const Candidate& c : walk.candidates)
    for (const Digest& d : c.chunks)
      if (!c.kept && !kept_chunks.count(d) && seen.insert(d).second) wanted.push_back(d);
  const auto not_local = transfer::missing_chunks(repo, wanted);
  const std::unordered_set<Digest> absent(not_local.begin(), not_local.end());
  std::vector<Digest> to_drop;
  for (const Digest& d : wanted)
    if (!absent.count(d)) to_drop.push_back(d);
  const std::unordered_set<Digest> dropping(to_drop.begin(), to_drop.end());

  // Samples that have local data now and lose some: these "are dropped".
  std::unordered_set<SampleId> candidate_samples;
  const auto uses = [](const Candidate& c, const std::unordered_set<Digest>& set) {
    return std::any_of(c.chunks.begin(), c.chunks.end(),
                       [&](const Digest& d) { return set.count(d) > 0; });
  };
  for (const Candidate& c : walk.candidates) {
    candidate_samples.insert(c.sample);
    ++out.samples_selected;
    if (c.kept) ++out.samples_kept;
    if (!c.kept && uses(c, dropping)) ++out.samples_dropped;
  }
  if (to_drop.empty()) return to_drop;  // nothing to prove

  // Proof 1: a commit of the remote's tracked history references each chunk.
  const std::unordered_set<Digest> tracked =
      remote_tracked_chunks(repo, walk.history(), out.remote);
  std::unordered_set<Digest> elsewhere_unknown;
  std::vector<Digest> ask;
  for (const Digest& d : to_drop) {
    if (tracked.count(d))
      ask.push_back(d);
    else
      elsewhere_unknown.insert(d);
  }
  // Proof 2: the remote says it holds each of them.
  if (!ask.empty())
    for (const Digest& d : ask_remote(out.remote, target.url, ask, target.options))
      elsewhere_unknown.insert(d);
  if (!elsewhere_unknown.empty()) {
    std::uint64_t samples = 0;
    for (const Candidate& c : walk.candidates)
      if (!c.kept && uses(c, elsewhere_unknown)) ++samples;
    fail(ErrorCode::InvalidArgument,
         std::to_string(samples) + " samples (" + std::to_string(elsewhere_unknown.size()) +
             " chunks) selected for drop-data are not on remote '" + out.remote +
             "' (never pushed there, or it lacks their data), so they may exist only here; "
             "nothing was dropped",
         Hint{.action = HintAction::Push, .remote = out.remote, .revision = branch_hint(repo)});
  }
  out.samples_also_dropped = walk.others_using(dropping, candidate_samples);
  return to_drop;
}

}  // namespace

DropDataResult drop_data(Repository& repo, const DropDataOptions& o) {
  if (o.all_history && o.ref)
    fail(ErrorCode::InvalidArgument, "--ref and --all-history cannot be combined");
  check_compact_threshold(o.threshold);
  DropDataResult out;
  out.remote = o.remote.empty() ? transfer::default_remote(repo) : o.remote;
  out.dry_run = o.dry_run;
  // NotFound names the remote.
  const client::RemoteTarget target = client::resolve_remote(repo, out.remote, o.transport);
  const std::vector<Digest> to_drop = checked_chunks_to_drop(repo, o, target, out);
  // Also with nothing to drop (unless dry_run): drop_local_chunks then still finishes what an
  // earlier drop left pending (a crashed reclaim's journal, pages to give back).
  return finish(repo, o, to_drop, std::move(out));
}

}  // namespace hangar::remote
