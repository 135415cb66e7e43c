// ChunkVerifier: checks received chunks against their names (decode + SHA-256,
// transfer::verify_chunk: most of a receiver's CPU) on a second thread while the caller parses
// the next ones, and hands them on, in the order they arrived, only once verified. Private to
// the remote module; used by PackReader.
#pragma once

#include <hangar/transfer.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hangar::remote {

class ChunkVerifier {
 public:
  // Chunks are copied in and verified in batches of about this many stored bytes; a chunk of
  // this size or more is verified on the caller's thread, without a copy.
  static constexpr std::size_t kBatchBytes = std::size_t{4} << 20;

  // `hand_on` gets each verified chunk (its bytes valid during the call only), on the
  // caller's thread. `source` names the sender in errors.
  ChunkVerifier(std::string source, std::function<void(const transfer::StoredChunk&)> hand_on);
  ~ChunkVerifier();  // waits for the thread; what it verified then is dropped
  ChunkVerifier(const ChunkVerifier&) = delete;
  ChunkVerifier& operator=(const ChunkVerifier&) = delete;

  // Takes the chunk of pack record `record` (1-based, for errors); may hand on earlier ones.
  // Throws like drain().
  void add(std::uint64_t record, const transfer::StoredChunk& chunk);
  // Verifies and hands on every chunk added so far. Throws: Corrupt "pack from <source> is
  // corrupt: record N (chunk <digest>: ...)" for the first bad chunk (none of its batch is
  // handed on), and whatever `hand_on` throws.
  void drain();

 private:
  struct Entry {
    std::uint64_t record;
    Digest id;
    storage::ChunkCodec codec;
    std::uint32_t raw_size;
    std::size_t at;  // offset of the stored bytes in Batch::bytes
    std::size_t size;
  };
  struct Batch {
    Bytes bytes;
    std::vector<Entry> entries;
  };

  static transfer::StoredChunk chunk_of(const Batch& batch, const Entry& e);
  void check(std::uint64_t record, const transfer::StoredChunk& chunk, Bytes& scratch) const;
  void verify(const Batch& batch, Bytes& scratch) const;
  void hand_on(Batch& batch);
  void wait_flying();
  void run();

  std::string source_;
  std::function<void(const transfer::StoredChunk&)> hand_on_;
  Batch filling_;  // the caller's
  Batch flying_;   // the thread's while busy_
  Bytes scratch_;  // the caller's, for chunks verified in place

  std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;  // flying_ is being verified
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // started with the first batch
};

}  // namespace hangar::remote
