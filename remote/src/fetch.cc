// fetch: the remote's new history (no data), its branches as refs/remotes/REMOTE/BRANCH
// (with prune: minus the branches it no longer has) and its tags that are new here. One txn: the
// objects and every tracking-ref move land together or not at all.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <utility>

#include "client.h"
#include "receive.h"

namespace hangar::remote {

std::string remote_url(const Repository& repo, std::string_view name) {
  auto url = transfer::find_remote_url(repo, name);
  if (url) return *url;
  std::string known;
  for (const auto& r : transfer::remotes(repo)) known += (known.empty() ? "" : ", ") + r.name;
  if (known.empty())
    fail(ErrorCode::NotFound, "no remote '" + std::string(name) + "'",
         Hint{.action = HintAction::AddRemote});
  fail(ErrorCode::NotFound, "no remote '" + std::string(name) + "'; known remotes: " + known,
       Hint{.action = HintAction::RemoteList});
}

FetchResult fetch(Repository& repo, const FetchOptions& o) try {
  if (o.prune && o.branch)
    fail(ErrorCode::InvalidArgument,
         "--prune needs every branch of the remote; drop BRANCH or --prune");
  const client::RemoteTarget target = client::resolve_remote(repo, o.remote, o.transport);
  client::Connection conn = client::connect(target.url, target.options);
  Transport& t = *conn.transport;
  const RefList refs = t.list_refs();
  std::vector<RemoteBranch> branches = refs.branches;
  if (o.branch) {
    std::erase_if(branches, [&](const RemoteBranch& b) { return b.name != *o.branch; });
    if (branches.empty())
      fail(ErrorCode::NotFound, "remote '" + o.remote + "' has no branch '" + *o.branch + "'");
  }

  HistoryRequest request;
  {
    transfer::HistoryReader local(repo);
    request.haves = client::local_haves(local);
    for (const std::vector<RemoteBranch>* list : {&std::as_const(branches), &refs.tags})
      for (const auto& b : *list)
        if (!local.has_commit(b.commit) &&
            std::find(request.wants.begin(), request.wants.end(), b.commit) == request.wants.end())
          request.wants.push_back(b.commit);
  }
  FetchResult out;
  if (o.prune) {
    const std::string prefix = o.remote + "/";
    for (const auto& tracked : transfer::remote_branches(repo, o.remote)) {
      const std::string name = tracked.name.substr(prefix.size());
      if (std::none_of(branches.begin(), branches.end(),
                       [&](const RemoteBranch& b) { return b.name == name; }))
        out.pruned.push_back(tracked.name);
    }
  }
  transfer::ObjectWriter writer(repo);
  if (!request.wants.empty()) {
    DirectHandler handler(&writer, nullptr);
    out.stats.objects = client::receive_history(t, request, handler, o.progress);
  }
  for (const auto& b : branches) {
    const std::string ref = std::string(transfer::kRemotesPrefix) + o.remote + "/" + b.name;
    const auto old = writer.find_ref(ref);
    if (old == b.commit) continue;
    writer.set_ref(ref, b.commit);
    out.updated.push_back({o.remote + "/" + b.name, old, b.commit});
  }
  // The remote's tags: new ones are created; one that exists here is never moved (git fetch
  // does not clobber tags either).
  for (const auto& tag : refs.tags) {
    const std::string ref = std::string(transfer::kTagsPrefix) + tag.name;
    const auto here = writer.find_ref(ref);
    if (here == tag.commit) continue;
    if (here) {
      out.tags_kept.push_back({tag.name, here, tag.commit});
      continue;
    }
    writer.set_ref(ref, tag.commit);
    out.tags.push_back({tag.name, std::nullopt, tag.commit});
  }
  for (const auto& name : out.pruned)
    writer.remove_ref(std::string(transfer::kRemotesPrefix) + name);
  writer.commit();
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent();
  return out;
} catch (...) {
  rethrow_interrupted("nothing was fetched, no remote-tracking branch moved");
}

}  // namespace hangar::remote
