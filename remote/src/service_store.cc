// A push to a server whose chunk data lives in an object store (service.h, decision 0016):
// the pack carries history only; the chunks were uploaded by the client into an upload session
// and are verified on the store, without trusting the client, before any ref moves.
#include <hangar/error.h>
#include <hangar/transfer.h>

#include <iostream>
#include <unordered_set>
#include <vector>

#include "pack.h"
#include "service.h"
#include "store_backing.h"

namespace hangar::remote {
namespace {

// Collects a pack's bytes in memory (the history of one push, for the store's manifest).
Bytes pack_bytes(Spool& spool) {
  PackWriter writer;
  Bytes out;
  auto drain = [&] {
    const ByteView p = writer.pending();
    out.insert(out.end(), p.begin(), p.end());
    writer.clear_pending();
  };
  spool.replay_objects([&](transfer::ObjectType type, const Digest& id, ByteView bytes) {
    writer.add_object(type, id, bytes);
    drain();
  });
  writer.finish();
  drain();
  return out;
}

RefList current_refs(const Repository& repo) {
  transfer::HistoryReader history(repo);
  RefList out;
  out.head = history.head_branch();
  for (auto& r : history.refs(transfer::kHeadsPrefix))
    out.branches.push_back({r.name.substr(transfer::kHeadsPrefix.size()), r.commit});
  for (auto& r : history.refs(transfer::kTagsPrefix))
    out.tags.push_back({r.name.substr(transfer::kTagsPrefix.size()), r.commit});
  return out;
}

// The chunks of every sample any commit of any branch or tag holds (inline samples and those
// of descriptors): every commit planned from nothing.
std::vector<Digest> branch_chunks(const Repository& repo) {
  transfer::HistoryReader history(repo);
  std::vector<Digest> tips;
  for (const auto& r : history.refs(transfer::kHeadsPrefix)) tips.push_back(r.commit);
  for (const auto& r : history.refs(transfer::kTagsPrefix)) tips.push_back(r.commit);
  const auto commits = history.commits_between(tips, {});
  std::vector<Digest> chunks;
  (void)history.plan_history(commits, &chunks);
  return chunks;
}

}  // namespace

PushReply RepoService::PushSession::finish_with_store() {
  reader_.finish();
  store::StoreBacking& store = *service_.store_;
  Repository& repo = service_.repo_;
  validate_updates(updates_);
  struct SessionEnd {  // the upload keys go, whatever happens
    store::StoreBacking& store;
    const std::string& session;
    ~SessionEnd() {
      if (!session.empty()) store.end_session(session);
    }
  } session_end{store, upload_session_};

  // The heavy part, outside the push lock: read every uploaded pack back and verify it.
  std::vector<store::PackIndex> packs;
  if (!upload_session_.empty()) packs = store.verify_session(upload_session_);

  std::lock_guard lock(service_.push_mu_);
  const Repository::WriterLock writer_lock = repo.lock_writer(kPushLockWait);
  PushReply reply;
  reply.reason = stale_reason();
  if (!reply.reason.empty()) return reply;

  // 1. History objects, in their own transaction: unreferenced until a ref names them.
  {
    transfer::ObjectWriter writer(repo);
    spool_.replay_objects([&](transfer::ObjectType type, const Digest& id, ByteView bytes) {
      writer.put(type, id, bytes);
    });
    for (const auto& u : updates_)
      if (!writer.has_object(u.desired))
        fail(ErrorCode::Corrupt, "push of " + u.what() + " names commit " + u.desired.hex() +
                                     ", which the pack did not carry");
    reply.objects = writer.objects_written();
    writer.commit();
  }
  // 2. The verified packs become part of the store (indexes, catalog, manifest) before any ref
  //    can name their chunks.
  store.add_packs(packs);
  for (const auto& p : packs) reply.chunks += p.entries.size();
  // 3. Every chunk the new commits need must now be in the store.
  {
    transfer::HistoryReader history(repo);
    for (const auto& u : updates_) {
      std::vector<Digest> haves;
      if (u.expected && history.has_commit(*u.expected)) haves.push_back(*u.expected);
      reply.reason = refused_move(
          u, [&](const Digest& a, const Digest& d) { return history.is_ancestor(a, d); });
      if (!reply.reason.empty()) return reply;
      const PushPlan plan = plan_push(history, u.desired, haves);
      const auto lacking = store.missing(plan.chunks);
      if (!lacking.empty()) {
        reply.reason = "the push lacks " + std::to_string(lacking.size()) +
                       " chunks that its commits need and the object store does not have (e.g. " +
                       lacking.front().short_hex() + "); nothing moved, push again";
        return reply;
      }
    }
  }
  store.publish(pack_bytes(spool_), current_refs(repo));
  // 4. The refs: compare-and-swap, exactly one of two racing pushes wins. The served
  //    repository's checked-out branch moves only when nothing is staged there.
  {
    transfer::ObjectWriter writer(repo);
    reply.reason = staged_checkout_reason(writer);
    if (!reply.reason.empty()) return reply;
    for (const auto& u : updates_) {
      if (!writer.compare_and_swap_ref(u.ref(), u.expected, u.desired)) {
        reply.reason = "remote " + u.what() + " moved during the push (stale ref); " +
                       "fetch, merge and push again";
        return reply;
      }
    }
    writer.commit();
  }
  reply.accepted = true;
  // 5. The manifest follows the refs for serverless readers; the server's own refs are the
  //    truth, so a failure here is reported, not a failed push.
  try {
    store.publish({}, current_refs(repo));
  } catch (const std::exception& e) {
    std::cerr << "hangar server: warning: the store's manifest still names the old refs: "
              << e.what() << '\n';
  }
  return reply;
}

std::vector<Digest> RepoService::chunks_not_in_store() const {
  // One scan of the location index; the history walk only when some local chunk is not in the
  // store, to leave out what no commit names (the local gc's to delete, not the store's).
  std::vector<Digest> lacking = store_->missing(transfer::local_chunk_ids(repo_));
  if (lacking.empty()) return lacking;
  const std::vector<Digest> named = branch_chunks(repo_);
  const std::unordered_set<Digest> reachable(named.begin(), named.end());
  std::erase_if(lacking, [&](const Digest& id) { return reachable.count(id) == 0; });
  return lacking;
}

store::MigrateReport RepoService::migrate_to_store(
    std::span<const Digest> ids,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::lock_guard lock(push_mu_);
  const store::MigrateReport report = store_->upload_local(repo_, ids, progress);
  // The history the repository had before it was served with --store is in no history pack
  // yet: one pack of all of it, so that an s3:// clone of the bucket sees every commit.
  const RefList refs = current_refs(repo_);
  HistoryRequest all;
  for (const auto& b : refs.branches) all.wants.push_back(b.commit);
  for (const auto& t : refs.tags) all.wants.push_back(t.commit);
  Bytes pack;
  if (!all.wants.empty()) {
    const auto producer = history(all);
    for (ByteView piece = producer->next(); !piece.empty(); piece = producer->next())
      pack.insert(pack.end(), piece.begin(), piece.end());
  }
  store_->publish(pack, refs);
  return report;
}

StoreGcReport RepoService::gc_store(std::chrono::seconds grace) {
  std::lock_guard lock(push_mu_);
  const std::vector<Digest> chunks = branch_chunks(repo_);
  const std::unordered_set<Digest> live(chunks.begin(), chunks.end());
  const store::GcReport g = store_->gc(live, current_refs(repo_), grace);
  return {g.packs_deleted,    g.bytes_deleted,      g.packs_live,
          g.packs_kept_young, g.packs_kept_session, g.uploads_deleted};
}

}  // namespace hangar::remote
