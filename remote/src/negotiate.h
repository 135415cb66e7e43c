// Negotiation, apart from the byte pipe: which history objects and chunks go into a pack, and
// the producer that streams them. Used by the server side (fetch, clone) and by push.
// Private to the remote module.
#pragma once

#include <hangar/remote/transport.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pack.h"

namespace hangar::remote {

// Target size of one piece a PackProducer hands out.
inline constexpr std::size_t kPackPieceBytes = 1u << 20;

// Streams a pack of `objects` (read through `history`), then the chunks in `chunks` that are
// local (others are skipped and counted), then the trailer. Memory: one piece. Must not
// outlive the Repository. Not thread-safe.
class PackProducer final : public PackSource {
 public:
  PackProducer(const Repository& repo, transfer::HistoryReader history,
               std::vector<transfer::ObjectRef> objects, std::vector<Digest> chunks);
  // Throws: NotFound (an object vanished), Corrupt, Io.
  ByteView next() override;
  std::uint64_t chunks_skipped() const noexcept { return skipped_; }
  const PackStats& stats() const noexcept { return writer_.stats(); }
  std::uint64_t total_records() const noexcept { return objects_.size() + chunks_.size(); }

 private:
  void order_chunks_by_location();
  transfer::HistoryReader history_;
  transfer::ChunkSource source_;
  std::vector<transfer::ObjectRef> objects_;
  std::vector<Digest> chunks_;
  std::size_t next_object_ = 0;
  std::size_t next_chunk_ = 0;
  std::uint64_t skipped_ = 0;
  PackWriter writer_;
  bool handed_out_ = false;
};

// Server side of a history request: the objects the client lacks to hold `wants`, given the
// commits it `haves`. Throws: NotFound (a want is not a commit here), Corrupt.
std::unique_ptr<PackProducer> history_pack(const Repository& repo, const HistoryRequest& request);

// Server side of a chunk request. Throws: Corrupt, Io.
std::unique_ptr<PackProducer> chunk_pack(const Repository& repo, std::vector<Digest> ids);

// What a push of `tip` sends to a remote that holds `remote_haves` (the remote's tips that are
// commits here): the history objects, and the chunks of the new sample descriptors (before
// asking the remote which of them it lacks).
struct PushPlan {
  std::vector<Digest> commits;
  std::vector<transfer::ObjectRef> objects;
  std::vector<Digest> chunks;
};
PushPlan plan_push(const transfer::HistoryReader& history, const Digest& tip,
                   std::span<const Digest> remote_haves);
// The same for several tips at once (a push of tags).
PushPlan plan_push(const transfer::HistoryReader& history, std::span<const Digest> tips,
                   std::span<const Digest> remote_haves);

}  // namespace hangar::remote
