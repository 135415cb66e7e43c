// pull: fetch, the data the incoming commits changed, then merge (operations.h).
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include "client.h"
#include "receive.h"

namespace hangar::remote {

namespace {

// Stores the chunks of the samples that the commits of `upstream` not in HEAD changed and
// that are not local (the data the merged head reads).
void fetch_incoming_data(Repository& repo, const PullOptions& o, const Digest& upstream,
                         PullResult& out) try {
  std::vector<Digest> chunks;
  {
    transfer::HistoryReader history(repo);
    std::vector<Digest> haves;
    if (const auto head = repo.head()) haves.push_back(*head);
    const Digest wants[] = {upstream};
    (void)history.plan_history(history.commits_between(wants, haves), &chunks);
  }
  const std::vector<Digest> missing = transfer::missing_chunks(repo, chunks);
  if (!missing.empty()) {
    const client::RemoteTarget target = client::resolve_remote(repo, o.remote, o.transport);
    client::Connection conn = client::connect(target.url, target.options);
    Spool spool(temp_dir_of(repo));
    out.chunks_fetched = client::receive_chunks(*conn.transport, missing, spool, o.progress);
    ChunkBatcher batch(repo);
    spool.replay_chunks([&](const transfer::StoredChunk& c) { batch.add(c); });
    batch.flush();
    out.chunks_unavailable = missing.size() - out.chunks_fetched;
    out.fetch.stats.bytes_received += conn.transport->bytes_received();
    out.fetch.stats.bytes_sent += conn.transport->bytes_sent();
  }
} catch (...) {
  rethrow_interrupted("the fetch is done but no data was stored and nothing was merged");
}

}  // namespace

PullResult pull(Repository& repo, const PullOptions& o) {
  if (repo.detached())
    fail(ErrorCode::InvalidArgument,
         "cannot pull: HEAD is detached (read-only); check out a branch first");
  const std::string branch = repo.current_branch();
  if (!repo.status().clean())
    fail(ErrorCode::InvalidArgument, "cannot pull into '" + branch + "': there are staged changes",
         Hint{.action = HintAction::CommitOrReset});
  PullResult out;
  const std::string upstream_branch = o.branch.value_or(branch);
  validate_branch_name(upstream_branch);
  out.upstream = o.remote + "/" + upstream_branch;
  remote_url(repo, o.remote);  // NotFound naming the known remotes
  try {
    out.fetch =
        fetch(repo, FetchOptions{o.remote, upstream_branch, o.transport, o.progress, false});
  } catch (const Error& e) {
    if (o.branch || e.code() != ErrorCode::NotFound) throw;
    fail(ErrorCode::NotFound, "branch '" + branch + "' has no upstream (" + e.what() + ")",
         Hint{.action = HintAction::PullBranch, .remote = o.remote});
  }
  const Digest upstream = repo.resolve(std::string(transfer::kRemotesPrefix) + out.upstream);

  if (o.data && !repo.lazy_fetch()) fetch_incoming_data(repo, o, upstream, out);
  MergeOptions merge = o.merge;  // the full ref: a local branch named "origin/main" is not it
  if (merge.message.empty()) merge.message = "Merge '" + out.upstream + "' into '" + branch + "'";
  out.merge = repo.merge(std::string(transfer::kRemotesPrefix) + out.upstream, merge);
  return out;
}

}  // namespace hangar::remote
