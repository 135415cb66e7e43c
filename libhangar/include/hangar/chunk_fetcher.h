// Lazy reads: where a repository set to fetch on demand (config fetch.lazy = true) gets the
// chunks it lacks. libhangar never sees the network; the remote module implements this
// interface (hangar/remote/lazy_fetch.h) and a program installs it with
// Repository::set_chunk_fetcher(). A Checkout read that finds a chunk missing then asks the
// fetcher for the sample's missing chunks and reads again; Checkout::fetch_missing() brings
// many samples' chunks in batched requests before they are read.
#pragma once

#include <hangar/base/codec.h>
#include <hangar/base/digest.h>

#include <functional>
#include <span>
#include <string>

namespace hangar {

// Stores received chunks whole: each is verified (decoded and re-hashed) unless the caller
// says it already did, then appended, flushed and indexed in one batch, so a reader sees a
// chunk only once all of it is stored. Throws: Corrupt (nothing of the batch stored), NoSpace,
// Io.
using StoreChunks =
    std::function<void(std::span<const storage::EncodedChunk> chunks, bool already_verified)>;

class ChunkFetcher {
 public:
  virtual ~ChunkFetcher() = default;
  // Brings the chunks `ids` (not local here) and hands them to `store`, in batches of a few
  // MiB; ids the source does not have are left out (the read then fails NotLocal naming
  // them). Called from any thread; implementations serialize their own calls.
  // Throws: NotLocal (the source cannot be reached: the message names it, a FetchData
  // hint the remote), Corrupt, NoSpace, Io, Interrupted. Chunks stored before a
  // failure stay stored: each is whole and verified.
  virtual void fetch(std::span<const Digest> ids, const StoreChunks& store) = 0;
  // Where chunks come from, for messages: "remote 'origin' (http://127.0.0.1:8080)".
  virtual std::string source() const = 0;
};

}  // namespace hangar
