// The serving side of the protocol over one opened repository, with no HTTP: what the HTTP
// server calls per request and what LocalTransport calls in-process. Private to remote.
#pragma once

#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "negotiate.h"
#include "receive.h"

namespace hangar::remote::store {
class StoreBacking;
struct MigrateReport;
}  // namespace hangar::remote::store
#include <chrono>

namespace hangar::remote {

// How long a push waits for a local writer (put, commit, import) to release the repository.
inline constexpr std::chrono::milliseconds kPushLockWait{10000};

// Checks the names of pushed ref updates (branch or tag name rules). Throws: InvalidArgument.
void validate_updates(const std::vector<RefUpdate>& updates);
// Why the server refuses to move `u`'s ref from an existing `expected` without force ("" when
// it may): a tag never moves; a branch only fast-forwards (`is_ancestor(expected, desired)`).
std::string refused_move(const RefUpdate& u,
                         const std::function<bool(const Digest&, const Digest&)>& is_ancestor);

// Thread-safe: reads run concurrently (each takes its own snapshot); pushes are applied one
// at a time. Must not outlive the Repository, which it does not own.
class RepoService {
 public:
  // `protocol` is the version this side announces (protocol::kVersion unless a test says);
  // `read_only`: pushes will be refused (announced in info()).
  RepoService(Repository& repo, std::string name, int protocol, bool read_only);

  // Chunk data lives in `store` (decision 0016), not in the repository: missing() and locate()
  // answer from it, chunks() refuses, pushes take data through upload sessions. Must outlive
  // this service. Call before serving.
  void set_store(store::StoreBacking* store) noexcept { store_ = store; }
  store::StoreBacking* store() const noexcept { return store_; }

  // gc of the store under the push lock: every chunk any commit of any branch names is live.
  // REQUIRES: a store. Throws: S3Error, Corrupt.
  StoreGcReport gc_store(std::chrono::seconds grace);

  // The chunks on the repository's own disk that a commit of a branch names and the store
  // lacks (decision 0019): served before without --store, pushed to then, or local work since.
  // REQUIRES: a store.
  // Throws: S3Error, Corrupt, Io.
  std::vector<Digest> chunks_not_in_store() const;
  // Uploads `ids` (from chunks_not_in_store) into the store, then publishes the whole history
  // and the refs in its manifest for serverless readers. Crash-safe and resumable
  // (StoreBacking::upload_local). REQUIRES: a store; not serving yet.
  // Throws: like StoreBacking::upload_local, Corrupt.
  store::MigrateReport migrate_to_store(
      std::span<const Digest> ids,
      const std::function<void(std::uint64_t, std::uint64_t)>& progress);

  ServerInfo info() const;
  RefList refs() const;
  // Throws: NotFound (a want is not a commit here), Corrupt.
  std::unique_ptr<PackProducer> history(const HistoryRequest& request) const;
  std::unique_ptr<PackProducer> chunks(std::vector<Digest> ids) const;
  std::vector<Digest> missing(std::span<const Digest> ids) const;

  // One push: feed the pack to sink(), then finish() applies it (or rejects it) as a whole.
  // Its chunks are stored as they arrive, each verified against its digest (disk-backed
  // server): in batches on a writer thread, each batch under the push lock and the writer
  // lock, the first after taking a transfer::ChunkLease that keeps gc out until the session
  // ends. Its history objects wait in a spool until the pack has verified to its trailer, and
  // only finish() applies them and moves the refs. A session that fails or is rejected leaves
  // no object and no ref changed; chunks it stored stay, unreferenced, for the next gc (and a
  // retry need not send them again).
  class PushSession final : private RecordHandler {
   public:
    PackSink& sink() noexcept { return reader_; }
    // Verifies the trailer and waits until every chunk is stored, then under the service's
    // push lock and the repository's writer lock (waiting up to kPushLockWait for a local
    // writer to finish): stores the objects and checks every update (compare-and-swap,
    // fast-forward unless forced) and that every chunk of the new samples is stored, in one
    // txn, and commits it when all pass. A rejection changes no object and no ref.
    // With a store: the chunks came through upload session `upload_session` (may be empty when
    // the push needs no new chunk); they are verified on the store before anything is applied,
    // and every chunk the new commits need must be in the store (service_store.cc).
    // Throws: Remote (truncated pack), Corrupt, InvalidArgument (bad branch name), Locked,
    // NoSpace, Io.
    PushReply finish();

   private:
    friend class RepoService;
    PushSession(RepoService& service, std::vector<RefUpdate> updates, const std::string& source,
                std::string upload_session);
    // The pack's records: objects to the spool, chunks to the batcher (refused with a store).
    void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override;
    void on_chunk(const transfer::StoredChunk& chunk) override;
    // One batch of chunks into the repository (the batcher's writer thread).
    std::size_t store_chunks(std::span<const storage::EncodedChunk> batch);
    PushReply finish_with_store();
    // The reason the push is stale (a ref is not where the client saw it), or "".
    std::string stale_reason() const;
    // The reason the push may not move the served repository's checked-out branch (it has
    // staged changes, a delta over that branch's tip), or "".
    std::string staged_checkout_reason(const transfer::ObjectWriter& writer) const;
    RepoService& service_;
    std::vector<RefUpdate> updates_;
    std::string upload_session_;
    Spool spool_;                                // history objects
    std::optional<transfer::ChunkLease> lease_;  // from before the first chunk is stored
    ChunkBatcher chunks_;                        // destroyed (its writes ended) before lease_
    PackReader reader_;
  };
  // REQUIRES: the repository was opened for Write or Shared. Throws: Io.
  std::unique_ptr<PushSession> begin_push(std::vector<RefUpdate> updates, const std::string& source,
                                          std::string upload_session = {});

 private:
  Repository& repo_;
  std::string name_;
  int protocol_;
  bool read_only_;
  store::StoreBacking* store_ = nullptr;
  std::mutex push_mu_;
};

}  // namespace hangar::remote
