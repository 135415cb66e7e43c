// Read views: one commit's columns and samples, or the writer's staged state.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/key.h>
#include <hangar/sample_id.h>
#include <hangar/schema.h>
#include <hangar/slice.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

// One sample's record: which sample it holds (inline: dtype, shape and chunk; or a descriptor
// object's id; see sample_id.h) and how many bytes it holds.
struct SampleRef {
  Key key;
  std::optional<Key> subkey;  // set for nested columns
  SampleId sample;
  std::uint64_t nbytes = 0;
};

struct ColumnStats {
  std::uint64_t count = 0;
  std::uint64_t nbytes = 0;
  std::uint64_t local_count = 0;  // samples whose chunks are all present locally
  std::uint64_t local_nbytes = 0;
};

class Repository;
namespace detail {
struct CheckoutState;
}

// A read-only view of one commit (or of staged work). Obtained from Repository::checkout_at or
// Repository::staged_view; it must not outlive its Repository. Not thread-safe: give each reading
// thread its own Checkout (they are cheap). Sees a consistent snapshot taken at creation.
class Checkout {
 public:
  Checkout(Checkout&&) noexcept;
  Checkout& operator=(Checkout&&) noexcept;
  ~Checkout();

  // The commit this view shows; nullopt for the staged view of an unborn branch.
  std::optional<Digest> commit() const;
  std::vector<std::string> column_names() const;
  bool has_column(std::string_view column) const;
  // Throws: NotFound "no column 'x' at <where>" (a ColumnList hint).
  const ColumnSchema& schema(std::string_view column) const;
  std::uint64_t count(std::string_view column) const;
  std::uint64_t nbytes(std::string_view column) const;
  // Walks every sample. The local counts need a location lookup per sample only where chunks
  // may be missing (a clone, or a repository with a remote); they are made in batches in index
  // order. Throws: NotFound.
  ColumnStats stats(std::string_view column) const;

  // The key a user means by command-line `text`: Key::parse(text), except that a canonical
  // decimal names the string key of the same text when only that one exists (import gives
  // '17.png' the string key "17"). Throws: NotFound (column), InvalidArgument (bad key).
  Key key_from_text(std::string_view column, std::string_view text) const;

  // Throws: NotFound (column), InvalidArgument (subkey given for a flat column or missing for
  // a nested one).
  std::optional<SampleRef> find(std::string_view column, const Key& key,
                                const std::optional<Key>& subkey = std::nullopt) const;
  // Throws: NotFound naming column and key; NotLocal naming the fetch-data command; Corrupt.
  Tensor get(std::string_view column, const Key& key,
             const std::optional<Key>& subkey = std::nullopt) const;
  // Reads a sample found by find()/for_each(). A sample of several chunks is decoded on up to
  // set_read_threads() threads. Throws: NotLocal, Corrupt.
  Tensor read(const SampleRef& ref) const;
  // read() into a caller's buffer of exactly ref.nbytes bytes (C order), e.g. one reused for
  // every sample of a batch. Throws: InvalidArgument (buffer size), NotLocal, Corrupt.
  void read_into(const SampleRef& ref, MutableByteView out) const;
  // Threads one read of a multi-chunk sample (or slice) may decode on; default
  // min(hardware threads, 4). 1 keeps every read on the calling thread.
  void set_read_threads(unsigned threads) noexcept;
  // The part of a sample that `slice` selects (numpy basic indexing; see slice.h), decoding
  // only the chunks the slice touches. Throws: InvalidArgument (slice does not fit the shape),
  // NotLocal (a touched chunk), Corrupt.
  Tensor read_slice(const SampleRef& ref, const Slice& slice) const;
  // find() + read_slice(). Throws: NotFound naming column and key; like read_slice().
  Tensor get_slice(std::string_view column, const Key& key, const std::optional<Key>& subkey,
                   const Slice& slice) const;
  // True if every chunk of the sample is present locally.
  bool is_local(const SampleRef& ref) const;
  // Lazy reads (Repository::set_chunk_fetcher): fetches the chunks of `refs` that are not
  // local, in batched requests, before they are read; returns how many chunks were missing.
  // Without a fetcher it fetches nothing and returns 0 (reads then throw NotLocal). A read
  // fetches a missing sample by itself; this brings many samples with few round trips.
  // Throws: NotLocal (the fetcher's source cannot be reached), Corrupt, NoSpace, Io,
  // Interrupted.
  std::uint64_t fetch_missing(std::span<const SampleRef> refs) const;
  // The sample's shape (inline, or from its descriptor; no chunk is read). Throws: Corrupt.
  Shape sample_shape(const SampleRef& ref) const;
  // Visits samples in key order; stop early by returning false.
  void for_each(std::string_view column, const std::function<bool(const SampleRef&)>& visit) const;
  // Reads every sample of `column` in key order and visits it with its tensor (which the
  // visitor may move from); stop early by returning false. For whole-column reads: the chunk
  // locations of each batch of kLookupBatch samples are looked up together in the location
  // index's order, so a read of a large column keeps a bounded part of the index resident
  // (read() in a for_each loop ends up mapping all of it). Throws: like read().
  void read_all(std::string_view column,
                const std::function<bool(const SampleRef&, Tensor&)>& visit) const;
  // Samples per batch of read_all(), and of the location lookups of stats().
  static constexpr std::size_t kLookupBatch = 32768;

 private:
  friend class Repository;
  explicit Checkout(std::unique_ptr<detail::CheckoutState> state);
  std::unique_ptr<detail::CheckoutState> state_;
};

}  // namespace hangar
