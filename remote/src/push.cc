// push: the branch's history the remote lacks, the chunks it lacks, and a compare-and-swap
// update of the remote branch (fast-forward only unless forced; the remote re-checks both).
#include <hangar/error.h>
#include <hangar/storage/interrupt.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>

#include "client.h"
#include "negotiate.h"
#include "store_client.h"

namespace hangar::remote {
namespace {

[[noreturn]] void reject(const PushOptions& o, const std::string& branch, const std::string& why) {
  fail(ErrorCode::Remote, "push of '" + branch + "' to '" + o.remote + "' rejected: " + why);
}

// Reports records sent as the pack streams; an interrupt ends the stream (Interrupted) before
// its trailer, so the remote applies nothing.
class ProgressSource final : public PackSource {
 public:
  ProgressSource(PackProducer& inner, const RemoteProgress& progress)
      : inner_(inner), progress_(progress) {}
  ByteView next() override {
    check_interrupt();
    ByteView piece = inner_.next();
    if (progress_) progress_("push", inner_.stats().records, inner_.total_records());
    return piece;
  }

 private:
  PackProducer& inner_;
  const RemoteProgress& progress_;
};

}  // namespace

PushResult push(Repository& repo, const PushOptions& o) try {
  const client::RemoteTarget target = client::resolve_remote(repo, o.remote, o.transport);
  PushResult out;
  out.branch = o.branch.value_or(repo.current_branch());
  validate_branch_name(out.branch);
  const auto tip = repo.find_branch(out.branch);
  if (!tip)
    fail(ErrorCode::NotFound, "branch '" + out.branch +
                                  "' has no commits to push; see 'hangar "
                                  "branch list'");
  out.new_commit = *tip;

  client::Connection conn = client::connect(target.url, target.options);
  Transport& t = *conn.transport;
  const RefList refs = t.list_refs();
  for (const auto& b : refs.branches)
    if (b.name == out.branch) out.old_commit = b.commit;
  const std::string tracking = std::string(transfer::kRemotesPrefix) + o.remote + "/" + out.branch;

  transfer::HistoryReader history(repo);
  std::uint64_t uploaded = 0;  // bytes that went to an object store, not to the remote
  if (out.old_commit == out.new_commit) {
    out.result = "up-to-date";
  } else {
    if (out.old_commit && !o.force) {
      const std::string hint = "; run 'hangar fetch " + o.remote + "' and merge '" + o.remote +
                               "/" + out.branch + "' first, or push with --force";
      if (!history.has_commit(*out.old_commit))
        reject(o, out.branch,
               "the remote branch has commits you do not have (not a "
               "fast-forward)" +
                   hint);
      if (!history.is_ancestor(*out.old_commit, out.new_commit))
        reject(o, out.branch,
               "the remote branch at " + out.old_commit->short_hex() + " is not an ancestor of " +
                   out.new_commit.short_hex() + " (not a fast-forward)" + hint);
    }
    std::vector<Digest> haves;
    for (const auto& b : refs.branches)
      if (history.has_commit(b.commit)) haves.push_back(b.commit);
    PushPlan plan = plan_push(history, out.new_commit, haves);

    // Only the chunks the remote lacks; each must be here (a partial clone may lack some).
    std::vector<Digest> send;
    for (std::size_t at = 0; at < plan.chunks.size(); at += kMaxDigestsPerRequest) {
      const auto batch = std::span<const Digest>(plan.chunks)
                             .subspan(at, std::min(kMaxDigestsPerRequest, plan.chunks.size() - at));
      const auto lacking = t.missing_chunks(batch);
      send.insert(send.end(), lacking.begin(), lacking.end());
    }
    const auto not_here = transfer::missing_chunks(repo, send);
    if (!not_here.empty())
      fail(ErrorCode::NotLocal,
           "cannot push '" + out.branch + "': " + std::to_string(not_here.size()) +
               " chunks the remote lacks " + "are not local either (e.g. " +
               not_here.front().short_hex() + "); run 'hangar fetch-data " +
               transfer::default_remote(repo) + " " + out.branch + " --all-history' first");
    out.stats.objects = plan.objects.size();
    out.stats.chunks = send.size();
    if (t.uploads_data() && !send.empty()) {
      // The remote keeps its data in an object store: upload there, push history only.
      uploaded = client::upload_chunks(repo, t, send, o.progress);
      send.clear();
    }
    PackProducer producer(repo, std::move(history), std::move(plan.objects), std::move(send));
    ProgressSource source(producer, o.progress);
    const RefUpdate update{out.branch, out.old_commit, out.new_commit, o.force};
    const PushReply reply = t.push(std::span<const RefUpdate>(&update, 1), source);
    if (!reply.accepted) reject(o, out.branch, reply.reason);
    if (!out.old_commit) {
      out.result = "created";
    } else {
      transfer::HistoryReader after(repo);
      out.result = after.is_ancestor(*out.old_commit, out.new_commit) ? "fast-forward" : "forced";
    }
  }
  transfer::ObjectWriter writer(repo);
  writer.set_ref(tracking, out.new_commit);
  writer.commit();
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent() + uploaded;
  return out;
} catch (...) {
  rethrow_interrupted("nothing was pushed, the remote branch did not move");
}

}  // namespace hangar::remote
