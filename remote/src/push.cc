// push: the branch's history the remote lacks, the chunks it lacks, and a compare-and-swap
// update of the remote branch (fast-forward only unless forced; the remote re-checks both).
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <map>
#include <optional>

#include "client.h"
#include "negotiate.h"
#include "store_client.h"

namespace hangar::remote {
namespace {

// `what`: "'main'" or "tag 'v1'".
[[noreturn]] void reject(const PushOptions& o, const std::string& what, const std::string& why,
                         std::optional<Hint> hint = std::nullopt) {
  const std::string message = "push of " + what + " to '" + o.remote + "' rejected: " + why;
  if (hint) fail(ErrorCode::Remote, message, std::move(*hint));
  fail(ErrorCode::Remote, message);
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

// The chunks of `plan` the remote lacks; each must be here (a partial clone may lack some).
// Throws: NotLocal naming `what` ("'main'", "tag 'v1'").
std::vector<Digest> chunks_to_send(Repository& repo, Transport& t, const PushPlan& plan,
                                   const std::string& what, const std::string& fetch_ref) {
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
         "cannot push " + what + ": " + std::to_string(not_here.size()) +
             " chunks the remote lacks " + "are not local either (e.g. " +
             not_here.front().short_hex() + ")",
         Hint{.action = HintAction::FetchData,
              .remote = transfer::default_remote(repo),
              .revision = fetch_ref,
              .all_history = true});
  return send;
}

// Sends the history and chunks of `plan` with `updates`; the remote applies all or nothing.
// Returns the reply; adds what was sent to `stats` (uploaded data bytes to `uploaded`).
PushReply send_push(Repository& repo, Transport& t, const PushOptions& o,
                    transfer::HistoryReader history, PushPlan plan, std::vector<Digest> send,
                    std::span<const RefUpdate> updates, TransferStats& stats,
                    std::uint64_t& uploaded) {
  stats.objects += plan.objects.size();
  stats.chunks += send.size();
  if (t.uploads_data() && !send.empty()) {
    // The remote keeps its data in an object store: upload there, push history only.
    uploaded += client::upload_chunks(repo, t, send, o.progress);
    send.clear();
  }
  PackProducer producer(repo, std::move(history), std::move(plan.objects), std::move(send));
  ProgressSource source(producer, o.progress);
  return t.push(updates, source);
}

// Remote tags and branches that are commits here: what the remote holds with its history.
std::vector<Digest> remote_haves(const transfer::HistoryReader& history, const RefList& refs) {
  std::vector<Digest> haves;
  for (const std::vector<RemoteBranch>* list : {&refs.branches, &refs.tags})
    for (const auto& b : *list)
      if (history.has_commit(b.commit)) haves.push_back(b.commit);
  return haves;
}

// Most ref updates one push request carries (the protocol's limit).
constexpr std::size_t kMaxUpdatesPerPush = 64;

// push REMOTE --tags / push REMOTE TAG: the tags' history and chunks, then one compare-and-swap
// per tag (at most 64 per request); a tag the remote has elsewhere is refused unless forced.
PushResult push_tags(Repository& repo, const PushOptions& o, Transport& t) {
  PushResult out;
  out.branch = o.tags.front();
  const RefList refs = t.list_refs();
  std::map<std::string, Digest> local, remote;
  for (const TagInfo& tag : repo.tags()) local.emplace(tag.name, tag.commit);
  for (const auto& r : refs.tags) remote.emplace(r.name, r.commit);
  std::vector<RefUpdate> updates;
  for (const std::string& name : o.tags) {
    validate_tag_name(name);
    const auto found = local.find(name);
    if (found == local.end())
      fail(ErrorCode::NotFound, "no tag '" + name + "' to push",
           Hint{.action = HintAction::TagList});
    const std::optional<Digest> here = found->second;
    const auto theirs = remote.find(name);
    const std::optional<Digest> there =
        theirs == remote.end() ? std::nullopt : std::optional<Digest>(theirs->second);
    out.tags.push_back({name, there, *here});
    if (there == here) continue;
    if (there && !o.force)
      fail(ErrorCode::Remote, "push of tag '" + name + "' to '" + o.remote +
                                  "' rejected: the remote's tag '" + name + "' is at " +
                                  there->short_hex() + ", yours at " + here->short_hex() +
                                  "; a push never moves a tag: push with --force to move it");
    updates.push_back({name, there, *here, o.force, true});
  }
  std::uint64_t uploaded = 0;
  for (std::size_t at = 0; at < updates.size(); at += kMaxUpdatesPerPush) {
    const auto group = std::span<const RefUpdate>(updates).subspan(
        at, std::min(kMaxUpdatesPerPush, updates.size() - at));
    transfer::HistoryReader history(repo);
    std::vector<Digest> tips;
    for (const RefUpdate& u : group) tips.push_back(u.desired);
    PushPlan plan = plan_push(history, tips, remote_haves(history, refs));
    std::vector<Digest> send =
        chunks_to_send(repo, t, plan, group.front().what(), "refs/tags/" + group.front().branch);
    const PushReply reply = send_push(repo, t, o, std::move(history), std::move(plan),
                                      std::move(send), group, out.stats, uploaded);
    if (!reply.accepted) reject(o, "tag '" + group.front().branch + "'", reply.reason);
  }
  out.result = updates.empty() ? "up-to-date" : "pushed";
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent() + uploaded;
  return out;
}

}  // namespace

PushResult push(Repository& repo, const PushOptions& o) try {
  const client::RemoteTarget target = client::resolve_remote(repo, o.remote, o.transport);
  if (!o.tags.empty()) {
    if (o.branch) fail(ErrorCode::InvalidArgument, "push a branch or tags, not both at once");
    client::Connection conn = client::connect(target.url, target.options);
    return push_tags(repo, o, *conn.transport);
  }
  PushResult out;
  out.branch = o.branch.value_or(repo.current_branch());
  validate_branch_name(out.branch);
  const auto tip = repo.find_branch(out.branch);
  if (!tip)
    fail(ErrorCode::NotFound, "branch '" + out.branch + "' has no commits to push",
         Hint{.action = HintAction::BranchList});
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
      const Hint hint{
          .action = HintAction::FetchAndMerge, .remote = o.remote, .revision = out.branch};
      if (!history.has_commit(*out.old_commit))
        reject(o, "'" + out.branch + "'",
               "the remote branch has commits you do not have (not a fast-forward)", hint);
      if (!history.is_ancestor(*out.old_commit, out.new_commit))
        reject(o, "'" + out.branch + "'",
               "the remote branch at " + out.old_commit->short_hex() + " is not an ancestor of " +
                   out.new_commit.short_hex() + " (not a fast-forward)",
               hint);
    }
    PushPlan plan = plan_push(history, out.new_commit, remote_haves(history, refs));
    std::vector<Digest> send = chunks_to_send(repo, t, plan, "'" + out.branch + "'", out.branch);
    const RefUpdate update{out.branch, out.old_commit, out.new_commit, o.force};
    const PushReply reply =
        send_push(repo, t, o, std::move(history), std::move(plan), std::move(send),
                  std::span<const RefUpdate>(&update, 1), out.stats, uploaded);
    if (!reply.accepted) reject(o, "'" + out.branch + "'", reply.reason);
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
  rethrow_interrupted(o.tags.empty() ? "nothing was pushed, the remote branch did not move"
                                     : "the tags of the interrupted request did not move");
}

}  // namespace hangar::remote
