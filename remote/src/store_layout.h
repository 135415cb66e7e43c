// How chunk data and history lie in an S3 bucket (docs/decisions/0016-s3-object-store.md):
// data packs (stored chunk bytes back to back) with their indexes, history packs, and the
// manifest that names them. Shared by the S3-backed server, the client's push, and the
// serverless `s3://` clone. Private to remote.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>
#include <hangar/remote/transport.h>
#include <hangar/transfer.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote::store {

// "s3://BUCKET/PREFIX" -> bucket and key prefix ("" or "a/b/", always ending in '/').
struct StoreUrl {
  std::string bucket;
  std::string prefix;
};
// Throws: InvalidArgument (not s3://, bad bucket, "." or ".." segments).
StoreUrl parse_store_url(const std::string& url);
bool is_store_url(std::string_view url);

std::string data_key(const std::string& prefix, const Digest& pack);   // PREFIX/data/HEX.pack
std::string index_key(const std::string& prefix, const Digest& pack);  // PREFIX/data/HEX.idx
std::string history_key(const std::string& prefix, const Digest& pack);
std::string manifest_key(const std::string& prefix);
std::string data_prefix(const std::string& prefix);

// Target size of a data pack; a pack is closed once it reaches this.
inline constexpr std::uint64_t kPackTarget = 32ull << 20;
// Largest pack or index accepted (a single S3 PUT is at most 5 GiB).
inline constexpr std::uint64_t kMaxPackBytes = 4ull << 30;
inline constexpr std::uint64_t kMaxIndexEntries = 16u << 20;

struct PackEntry {
  Digest id;
  storage::ChunkCodec codec = storage::ChunkCodec::Raw;
  std::uint32_t raw_size = 0;
  std::uint32_t stored_size = 0;
  std::uint64_t offset = 0;
  std::uint64_t checksum = 0;  // XXH3-64 of the stored bytes
};

struct PackIndex {
  Digest pack;                     // SHA-256 of the pack's bytes: its name
  std::uint64_t size = 0;          // the pack's bytes
  std::vector<PackEntry> entries;  // sorted by id, unique
};

// Index format 1: "HGPI", u32 version, u64 count, 32 B pack, u64 size, count x (32 B digest,
// u8 codec, u32 raw, u32 stored, u64 offset, u64 checksum), 32 B SHA-256 of all before.
Bytes encode_index(const PackIndex& index);
// Checks the trailer, every field, sorted unique digests, and that entries lie inside the
// pack. Throws: Corrupt "<what>: ...", Unsupported (newer version).
PackIndex decode_index(ByteView bytes, const std::string& what);

// Collects stored chunks into one pack in memory.
class PackBuilder {
 public:
  void add(const transfer::StoredChunk& chunk);
  std::uint64_t size() const noexcept { return data_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  // The pack's bytes and its index; the builder is empty afterwards.
  std::pair<Bytes, PackIndex> finish();

 private:
  Bytes data_;
  std::vector<PackEntry> entries_;
};

// Checks `entries` (each inside [base, base + part.size())) against `part`, the pack's bytes
// from offset `base`: checksum, decode, SHA-256 against the digest. Throws: Corrupt.
void verify_entries(std::span<const PackEntry> entries, std::uint64_t base, ByteView part,
                    const std::string& what);

struct Manifest {
  int format = 1;
  std::string head;                    // HEAD branch
  std::vector<RemoteBranch> branches;  // sorted by name
  std::vector<RemoteBranch> tags;      // sorted by name ("tags", absent before tags)
  std::vector<Digest> history;         // history packs, in push order
  std::vector<Digest> data;            // data packs
};
std::string encode_manifest(const Manifest& m);
// Throws: Corrupt, Unsupported (format > 1).
Manifest decode_manifest(std::string_view json, const std::string& what);

}  // namespace hangar::remote::store
