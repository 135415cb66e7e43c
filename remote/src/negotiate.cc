// Negotiation and the pack producer (negotiate.h).
#include "negotiate.h"

#include <hangar/error.h>

namespace hangar::remote {

PackProducer::PackProducer(const Repository& repo, transfer::HistoryReader history,
                           std::vector<transfer::ObjectRef> objects, std::vector<Digest> chunks)
    : history_(std::move(history)),
      source_(repo),
      objects_(std::move(objects)),
      chunks_(std::move(chunks)) {
  order_chunks_by_location();
}

// Sends chunks in the order they lie in the chunk store rather than in selection order. The
// receiver does not care about the order, and reading the store front to back keeps both the
// I/O sequential and, with bound_mapped_pages, the resident set at a few MiB: memory-mapped
// reads scattered over the whole store would fault most of it in between two drops. The order
// comes from the location index alone (no chunk is read twice).
void PackProducer::order_chunks_by_location() {
  if (chunks_.size() < 2) return;
  chunks_ = source_.in_stored_order(chunks_);
  source_.release();
}

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
        fail(ErrorCode::NotFound, std::string(object_type_name(ref.type)) + " " + ref.id.hex() +
                                      " vanished while being sent");
      writer_.add_object(obj->first, ref.id, obj->second);
    } else if (next_chunk_ < chunks_.size()) {
      auto chunk = source_.read_stored(chunks_[next_chunk_++]);
      if (chunk) {
        writer_.add_chunk(*chunk);
        source_.bound_mapped_pages();  // resident memory stays at a few MiB, not the pack
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
  return plan_push(history, std::span<const Digest>(&tip, 1), remote_haves);
}

PushPlan plan_push(const transfer::HistoryReader& history, std::span<const Digest> tips,
                   std::span<const Digest> remote_haves) {
  PushPlan plan;
  plan.commits = history.commits_between(tips, remote_haves);
  plan.objects = history.plan_history(plan.commits, &plan.chunks);
  return plan;
}

}  // namespace hangar::remote
