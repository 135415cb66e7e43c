// The receiving side of a transfer: a Spool that keeps verified records in temporary files
// until the whole transfer has verified, a ChunkBatcher that stores chunks in bounded
// batches, and the direct handlers clone and fetch use. Private to the remote module.
#pragma once

#include <hangar/base/codec.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_set>
#include <vector>

#include "pack.h"

namespace hangar::remote {

// Bytes of stored chunk data per chunk-store batch (append, flush, one index commit).
inline constexpr std::size_t kChunkBatchBytes = 2u << 20;

// Collects received chunks and writes them in batches of ~kChunkBatchBytes on a writer thread
// of its own, so that storing one batch (copies, LMDB commits, fsyncs) overlaps receiving and
// verifying the next: at most one batch is being written while the next one fills. The write
// function runs on one thread at a time; nothing else may use what it writes to until flush()
// returns. REQUIRES: chunks already verified (PackReader did). Not thread-safe.
class ChunkBatcher {
 public:
  // Stores a batch; returns how many chunks were new to the repository.
  using Write = std::function<std::size_t(std::span<const storage::EncodedChunk>)>;
  // Writes into `repo` (transfer::write_chunks). REQUIRES: repo opened for Write.
  explicit ChunkBatcher(Repository& repo);
  explicit ChunkBatcher(Write write) : write_(std::move(write)) {}
  // Waits for a write in flight (what it stores stays stored); drops what was not flushed.
  ~ChunkBatcher();
  ChunkBatcher(const ChunkBatcher&) = delete;
  ChunkBatcher& operator=(const ChunkBatcher&) = delete;

  // Throws what a write of an earlier batch threw.
  void add(const transfer::StoredChunk& chunk);
  // Writes what is pending and waits until every batch is stored. Throws: NoSpace, Io.
  void flush();
  std::uint64_t added() const noexcept { return added_; }
  std::uint64_t written() const noexcept {
    return written_;
  }  // new to the repository; after flush()

 private:
  void hand_over();  // the filled batch to the writer, once it is idle
  void wait_idle();  // until the writer is idle; rethrows its error
  void run_writer();

  Write write_;
  std::vector<storage::EncodedChunk> batch_;  // filling
  std::size_t bytes_ = 0;
  std::uint64_t added_ = 0;
  std::uint64_t written_ = 0;

  std::thread writer_;  // started with the first batch
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::vector<storage::EncodedChunk> writing_;  // the batch being written
  bool busy_ = false;
  bool quit_ = false;
  std::exception_ptr error_;
};

// Verified records kept in two unlinked temporary files (objects, chunks) in `dir`, so that
// nothing is applied before a transfer has verified to its last trailer. Memory: one buffer.
class Spool final : public RecordHandler {
 public:
  // Throws: Io.
  explicit Spool(const std::filesystem::path& dir);
  ~Spool() override;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override;
  void on_chunk(const transfer::StoredChunk& chunk) override;

  // Reads the records back in the order they arrived. Views live during the call only.
  // Throws: Io, Corrupt (the temporary file changed under us).
  void replay_objects(const std::function<void(transfer::ObjectType, const Digest&, ByteView)>& fn);
  void replay_chunks(const std::function<void(const transfer::StoredChunk&)>& fn);

 private:
  struct File;
  std::unique_ptr<File> objects_;
  std::unique_ptr<File> chunks_;
};

// Objects straight into an ObjectWriter (one txn: nothing is visible before it commits) and
// chunks into a ChunkBatcher. For clone (a fresh repository that is removed on failure) and
// for history-only fetches. Either pointer may be null: such records are then refused.
class DirectHandler final : public RecordHandler {
 public:
  DirectHandler(transfer::ObjectWriter* objects, ChunkBatcher* chunks)
      : objects_(objects), chunks_(chunks) {}
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override;
  void on_chunk(const transfer::StoredChunk& chunk) override;

 private:
  transfer::ObjectWriter* objects_;
  ChunkBatcher* chunks_;
};

// Forwards records to `inner` after checking that each chunk was requested (once); counts them.
class RequestedChunks final : public RecordHandler {
 public:
  RequestedChunks(RecordHandler& inner, std::string source)
      : inner_(inner), source_(std::move(source)) {}
  void expect(std::span<const Digest> ids) { wanted_.insert(ids.begin(), ids.end()); }
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override;
  void on_chunk(const transfer::StoredChunk& chunk) override;
  std::uint64_t received() const noexcept { return received_; }
  // Called for each chunk received (progress).
  std::function<void()> on_progress;

 private:
  RecordHandler& inner_;
  std::string source_;
  std::unordered_set<Digest> wanted_;
  std::uint64_t received_ = 0;
};

// <repo>/.hangar/tmp, created when missing. Throws: Io.
std::filesystem::path temp_dir_of(const Repository& repo);

}  // namespace hangar::remote
