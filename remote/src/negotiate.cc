// Negotiation and the pack producer (negotiate.h).
#include "negotiate.h"

#include <hangar/error.h>

#include <unordered_set>

namespace hangar::remote {

PackProducer::PackProducer(const Repository& repo, transfer::HistoryReader history,
                           std::vector<transfer::ObjectRef> objects, std::vector<Digest> chunks)
    : history_(std::move(history)),
      source_(repo),
      objects_(std::move(objects)),
      chunks_(std::move(chunks)) {}

ByteView PackProducer::next() {
  // The view handed out last time stays valid until now (PackSource contract); the first
  // call also hands out the pack header the writer starts with.
  if (handed_out_) writer_.clear_pending();
  handed_out_ = true;
  if (writer_.finished()) return {};
  while (writer_.pending().size() < kPackPieceBytes) {
    if (next_object_ < objects_.size()) {
      const auto& ref = objects_[next_object_++];
      auto obj = history_.find_object(ref.id);
      if (!obj)
        fail(ErrorCode::NotFound, std::string(transfer::object_type_name(ref.type)) + " " +
                                      ref.id.hex() + " vanished while being sent");
      writer_.add_object(obj->first, ref.id, obj->second);
    } else if (next_chunk_ < chunks_.size()) {
      auto chunk = source_.read_stored(chunks_[next_chunk_++]);
      if (chunk) {
        writer_.add_chunk(*chunk);
      } else {
        ++skipped_;
      }
    } else {
      writer_.finish();
      source_.release();
      break;
    }
  }
  return writer_.pending();
}

std::unique_ptr<PackProducer> history_pack(const Repository& repo, const HistoryRequest& request) {
  transfer::HistoryReader history(repo);
  std::vector<Digest> commits = history.commits_between(request.wants, request.haves);
  std::vector<transfer::ObjectRef> objects = history.plan_history(commits);
  return std::make_unique<PackProducer>(repo, std::move(history), std::move(objects),
                                        std::vector<Digest>{});
}

std::unique_ptr<PackProducer> chunk_pack(const Repository& repo, std::vector<Digest> ids) {
  return std::make_unique<PackProducer>(repo, transfer::HistoryReader(repo),
                                        std::vector<transfer::ObjectRef>{}, std::move(ids));
}

PushPlan plan_push(const transfer::HistoryReader& history, const Digest& tip,
                   std::span<const Digest> remote_haves) {
  PushPlan plan;
  const Digest wants[] = {tip};
  plan.commits = history.commits_between(wants, remote_haves);
  plan.objects = history.plan_history(plan.commits);
  std::unordered_set<Digest> seen;
  for (const auto& obj : plan.objects) {
    if (obj.type != transfer::ObjectType::Descriptor) continue;
    for (const auto& c : history.sample_chunks(obj.id))
      if (seen.insert(c).second) plan.chunks.push_back(c);
  }
  return plan;
}

}  // namespace hangar::remote
