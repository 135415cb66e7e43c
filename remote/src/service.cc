// The serving side of the protocol (service.h).
#include "service.h"

#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/hangar.h>
#include <hangar/transfer.h>

#include <algorithm>

#include "data_protocol.h"
#include "protocol.h"
#include "store_backing.h"

namespace hangar::remote {
namespace {

std::string short_or_none(const std::optional<Digest>& d) {
  return d ? d->short_hex() : std::string("(none)");
}

// Every chunk of the samples the pushed commits bring in must be stored here by now (the pack's
// were stored as they arrived); a pack that leaves some out would move a branch to samples
// nobody can read. Throws: Corrupt naming how many are missing and the first few.
void require_chunks(const Repository& repo, const transfer::ObjectWriter& writer,
                    const std::vector<RefUpdate>& updates) {
  const std::vector<Digest> needed = writer.new_sample_chunks();
  const std::vector<Digest> missing = transfer::missing_chunks(repo, needed);
  if (missing.empty()) return;
  constexpr std::size_t kListed = 3;
  std::string branches, list;
  for (const auto& u : updates) branches += (branches.empty() ? "" : ", ") + u.what();
  for (std::size_t i = 0; i < missing.size() && i < kListed; ++i)
    list += (i == 0 ? "" : ", ") + missing[i].hex();
  if (missing.size() > kListed)
    list += " and " + std::to_string(missing.size() - kListed) + " more";
  fail(ErrorCode::Corrupt, "push of " + branches +
                               " is incomplete: " + std::to_string(missing.size()) + " chunk" +
                               (missing.size() == 1 ? "" : "s") +
                               " of its new samples are neither in the pack nor stored here (" +
                               list + "); nothing was changed; push again");
}

}  // namespace

void validate_updates(const std::vector<RefUpdate>& updates) {
  for (const auto& u : updates) {
    if (u.tag)
      validate_tag_name(u.branch);
    else
      validate_branch_name(u.branch);
  }
}

std::string refused_move(const RefUpdate& u,
                         const std::function<bool(const Digest&, const Digest&)>& is_ancestor) {
  if (!u.expected || u.force) return {};
  if (u.tag)
    return "remote tag '" + u.branch + "' already exists at " + u.expected->short_hex() +
           "; a push never moves a tag: push with --force to move it";
  if (is_ancestor(*u.expected, u.desired)) return {};
  return "remote branch '" + u.branch + "' at " + u.expected->short_hex() +
         " is not an ancestor of " + u.desired.short_hex() +
         " (not a fast-forward); fetch and merge first, or push with --force";
}

RepoService::RepoService(Repository& repo, std::string name, int protocol, bool read_only)
    : repo_(repo), name_(std::move(name)), protocol_(protocol), read_only_(read_only) {}

ServerInfo RepoService::info() const {
  ServerInfo info;
  info.protocol = protocol_;
  info.server = std::string("hangar ") + hangar::version();
  info.name = name_;
  info.read_only = read_only_;
  info.capabilities = {"history", "chunks", "push"};
  if (store_ != nullptr) info.capabilities.push_back(protocol::kStoreCapability);
  return info;
}

RefList RepoService::refs() const {
  transfer::HistoryReader history(repo_);
  RefList out;
  out.head = history.head_branch();
  for (auto& r : history.refs(transfer::kHeadsPrefix))
    out.branches.push_back({r.name.substr(transfer::kHeadsPrefix.size()), r.commit});
  for (auto& r : history.refs(transfer::kTagsPrefix))
    out.tags.push_back({r.name.substr(transfer::kTagsPrefix.size()), r.commit});
  return out;
}

std::unique_ptr<PackProducer> RepoService::history(const HistoryRequest& request) const {
  return history_pack(repo_, request);
}

std::unique_ptr<PackProducer> RepoService::chunks(std::vector<Digest> ids) const {
  if (store_ != nullptr)
    fail(ErrorCode::Unsupported,
         "this server keeps chunk data in an object store (" + store_->describe() +
             "); clients read it there with presigned URLs: upgrade hangar");
  return chunk_pack(repo_, std::move(ids));
}

std::vector<Digest> RepoService::missing(std::span<const Digest> ids) const {
  if (store_ != nullptr) return store_->missing(ids);
  return transfer::missing_chunks(repo_, ids);
}

std::unique_ptr<RepoService::PushSession> RepoService::begin_push(std::vector<RefUpdate> updates,
                                                                  const std::string& source,
                                                                  std::string upload_session) {
  return std::unique_ptr<PushSession>(
      new PushSession(*this, std::move(updates), source, std::move(upload_session)));
}

RepoService::PushSession::PushSession(RepoService& service, std::vector<RefUpdate> updates,
                                      const std::string& source, std::string upload_session)
    : service_(service),
      updates_(std::move(updates)),
      upload_session_(std::move(upload_session)),
      spool_(temp_dir_of(service.repo_)),
      chunks_([this](std::span<const storage::EncodedChunk> batch) { return store_chunks(batch); }),
      reader_(source, *this) {}

void RepoService::PushSession::on_object(transfer::ObjectType type, const Digest& id,
                                         ByteView canonical) {
  spool_.on_object(type, id, canonical);
}

void RepoService::PushSession::on_chunk(const transfer::StoredChunk& chunk) {
  if (service_.store_ != nullptr)
    fail(ErrorCode::InvalidArgument,
         "this server keeps chunk data in an object store: upload chunks there "
         "(/hangar/data/upload), not in the push");
  chunks_.add(chunk);
}

std::size_t RepoService::PushSession::store_chunks(std::span<const storage::EncodedChunk> batch) {
  Repository& repo = service_.repo_;
  if (!lease_) lease_.emplace(repo, kPushLockWait);  // no gc from here until the session ends
  std::size_t added = 0;
  {
    const std::lock_guard lock(service_.push_mu_);
    const Repository::WriterLock writer_lock = repo.lock_writer(kPushLockWait);
    added = transfer::write_chunks(repo, batch, transfer::ChunkCheck::AlreadyVerified);
  }
  failpoint("push-batch-stored");  // tests: a gc or a kill between two batches
  return added;
}

std::string RepoService::PushSession::stale_reason() const {
  transfer::HistoryReader now(service_.repo_);
  for (const auto& u : updates_) {
    auto current = now.find_ref(u.ref());
    if (current != u.expected)
      return "remote " + u.what() + " is at " + short_or_none(current) + ", not at " +
             short_or_none(u.expected) +
             " as the pusher saw it (another push won); fetch, merge and push again";
  }
  return {};
}

std::string RepoService::PushSession::staged_checkout_reason(
    const transfer::ObjectWriter& writer) const {
  // Staged work is a delta over the branch's tip, and a staged column creation would empty the
  // column the push brings: the branch may move under it (as a fetch would) only when nothing
  // is staged there.
  const std::string checked_out = writer.head_branch();
  for (const auto& u : updates_)
    if (!u.tag && u.branch == checked_out && writer.has_staged_changes())
      return "remote branch '" + u.branch +
             "' is checked out in the served repository, which has staged changes; retry once "
             "they are committed there (or push another branch)";
  return {};
}

PushReply RepoService::PushSession::finish() {
  if (service_.store_ != nullptr) return finish_with_store();
  if (!upload_session_.empty())
    fail(ErrorCode::InvalidArgument, "this server takes chunks in the push, not by upload");
  reader_.finish();
  chunks_.flush();  // outside the push lock, which each batch's write takes
  failpoint("push-received");
  std::lock_guard lock(service_.push_mu_);
  Repository& repo = service_.repo_;
  const Repository::WriterLock writer_lock = repo.lock_writer(kPushLockWait);
  validate_updates(updates_);
  PushReply reply;
  reply.reason = stale_reason();
  if (!reply.reason.empty()) return reply;
  transfer::ObjectWriter writer(repo);
  spool_.replay_objects([&](transfer::ObjectType type, const Digest& id, ByteView bytes) {
    writer.put(type, id, bytes);
  });
  reply.reason = staged_checkout_reason(writer);
  if (!reply.reason.empty()) return reply;
  for (const auto& u : updates_) {
    if (!writer.has_object(u.desired))
      fail(ErrorCode::Corrupt, "push of " + u.what() + " names commit " + u.desired.hex() +
                                   ", which the pack did not carry");
    reply.reason =
        refused_move(u, [&](const Digest& a, const Digest& d) { return writer.is_ancestor(a, d); });
    if (!reply.reason.empty()) return reply;  // the writer aborts: no object, no ref
    if (!writer.compare_and_swap_ref(u.ref(), u.expected, u.desired)) {
      reply.reason = "remote " + u.what() + " moved during the push (stale ref); " +
                     "fetch, merge and push again";
      return reply;
    }
  }
  require_chunks(repo, writer, updates_);
  reply.objects = writer.objects_written();
  writer.commit();
  failpoint("push-applied");
  reply.chunks = chunks_.written();
  reply.accepted = true;
  return reply;
}

}  // namespace hangar::remote
