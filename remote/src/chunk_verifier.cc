// ChunkVerifier (chunk_verifier.h): two batches, one filled by the caller while the thread
// verifies the other.
#include "chunk_verifier.h"

#include <hangar/error.h>

#include <cstring>
#include <string_view>
#include <utility>

namespace hangar::remote {

ChunkVerifier::ChunkVerifier(std::string source,
                             std::function<void(const transfer::StoredChunk&)> hand_on)
    : source_(std::move(source)), hand_on_(std::move(hand_on)) {}

ChunkVerifier::~ChunkVerifier() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ChunkVerifier::check(std::uint64_t record, const transfer::StoredChunk& chunk,
                          Bytes& scratch) const {
  try {
    transfer::verify_chunk(chunk.id, chunk.codec, chunk.raw_size, chunk.stored, scratch);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Corrupt) throw;
    fail(ErrorCode::Corrupt, "pack from " + source_ + " is corrupt: record " +
                                 std::to_string(record) + " (" + e.what() + ")");
  }
}

transfer::StoredChunk ChunkVerifier::chunk_of(const Batch& batch, const Entry& e) {
  return {e.id, e.codec, e.raw_size, ByteView(batch.bytes).subspan(e.at, e.size)};
}

void ChunkVerifier::verify(const Batch& batch, Bytes& scratch) const {
  for (const Entry& e : batch.entries) check(e.record, chunk_of(batch, e), scratch);
}

void ChunkVerifier::hand_on(Batch& batch) {
  for (const Entry& e : batch.entries) hand_on_(chunk_of(batch, e));
  batch.entries.clear();
  batch.bytes.clear();  // keeps its pages: the next batch fills them without faulting
}

void ChunkVerifier::add(std::uint64_t record, const transfer::StoredChunk& chunk) {
  if (chunk.stored.size() >= kBatchBytes) {
    drain();
    check(record, chunk, scratch_);
    hand_on_(chunk);
    return;
  }
  const std::size_t at = filling_.bytes.size();
  filling_.bytes.resize(at + chunk.stored.size());
  if (!chunk.stored.empty())
    std::memcpy(filling_.bytes.data() + at, chunk.stored.data(), chunk.stored.size());
  filling_.entries.push_back(
      {record, chunk.id, chunk.codec, chunk.raw_size, at, chunk.stored.size()});
  if (filling_.bytes.size() < kBatchBytes) return;
  wait_flying();
  hand_on(flying_);
  std::swap(filling_, flying_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  {
    std::lock_guard lock(mu_);
    busy_ = true;
  }
  cv_.notify_all();
}

void ChunkVerifier::drain() {
  wait_flying();
  hand_on(flying_);
  verify(filling_, scratch_);
  hand_on(filling_);
}

void ChunkVerifier::wait_flying() {
  std::exception_ptr error;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    error = std::exchange(error_, nullptr);
  }
  if (error) {
    flying_.entries.clear();
    std::rethrow_exception(error);
  }
}

void ChunkVerifier::run() {
  Bytes scratch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return busy_ || stop_; });
      if (!busy_) return;
    }
    std::exception_ptr error;
    try {
      verify(flying_, scratch);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mu_);
      error_ = error;
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace hangar::remote
