// The object store behind an S3-backed server (`hangar server --store s3://BUCKET/PREFIX`,
// docs/decisions/0016-s3-object-store.md): the catalog of which chunk lies where, presigned
// URLs for clients, verification of what a push uploaded, the manifest, and gc. Also the
// catalog reading that the serverless s3:// clone (StoreTransport) shares. Private to remote.
#pragma once

#include <hangar/remote/transport.h>
#include <hangar/repository.h>
#include <hangar/s3/client.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "data_protocol.h"
#include "store_layout.h"

namespace hangar::remote::store {

// digest -> where its stored bytes lie. Not thread-safe.
class Catalog {
 public:
  struct Loc {
    std::uint32_t pack = 0;  // index into packs()
    std::uint64_t offset = 0;
    std::uint32_t stored_size = 0;
    std::uint32_t raw_size = 0;
    storage::ChunkCodec codec = storage::ChunkCodec::Raw;
    std::uint64_t checksum = 0;
  };
  void add(const PackIndex& index);
  const Loc* find(const Digest& id) const;
  const std::vector<Digest>& packs() const noexcept { return packs_; }
  bool has_pack(const Digest& pack) const { return pack_ids_.count(pack) != 0; }
  std::size_t chunk_count() const noexcept { return chunks_.size(); }
  // Chunks of pack `p`.
  std::vector<Digest> chunks_of(std::uint32_t p) const;
  // The chunks of every pack, indexed like packs().
  std::vector<std::vector<Digest>> chunks_by_pack() const;

 private:
  std::unordered_map<Digest, Loc> chunks_;
  std::vector<Digest> packs_;
  std::unordered_map<Digest, std::uint32_t> pack_ids_;
};

// The manifest, or nullopt for an empty store. Throws: S3Error, Corrupt.
std::optional<Manifest> read_manifest(s3::Client& client, const std::string& prefix);
// Reads the index of every data pack `manifest` names. Throws: S3Error, Corrupt.
Catalog load_catalog(s3::Client& client, const std::string& prefix, const Manifest& manifest);
// ChunkLocations for `ids` from `catalog`, with GET URLs presigned by `client` for `expires`.
ChunkLocations locate_in(const Catalog& catalog, const s3::Client& client,
                         const std::string& prefix, std::span<const Digest> ids,
                         std::chrono::seconds expires);

// How long presigned URLs live, unless the server is told otherwise (--presign-ttl). A client
// whose URLs expire mid-transfer asks for new ones (decision 0016, "Presign flow").
inline constexpr std::chrono::seconds kGetUrlExpiry{15 * 60};
inline constexpr std::chrono::seconds kPutUrlExpiry{60 * 60};
// What --presign-ttl accepts: SigV4 query signing allows 1 s to 7 days.
inline constexpr std::chrono::seconds kMinUrlExpiry{1};
inline constexpr std::chrono::seconds kMaxUrlExpiry{7 * 24 * 3600};

struct StoreConfig {
  std::string url;       // s3://BUCKET/PREFIX
  std::string endpoint;  // empty: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::string region;    // empty: AWS_REGION / AWS_DEFAULT_REGION / us-east-1
  // TLS to an https:// endpoint: certificates are checked against SSL_CERT_FILE / SSL_CERT_DIR
  // or the system's CA certificates unless `insecure`; `insecure_flag` is what errors name.
  bool insecure = false;
  std::string insecure_flag = "--insecure";
  // Lifetimes of the presigned GET and PUT URLs the server hands out.
  std::chrono::seconds get_url_ttl = kGetUrlExpiry;
  std::chrono::seconds put_url_ttl = kPutUrlExpiry;
};

// An s3::Client for `config`, credentials found like AWS tools. Throws: InvalidArgument (no
// endpoint, no credentials, bad URL).
std::unique_ptr<s3::Client> open_client(const StoreConfig& config, StoreUrl& parsed);

struct GcReport {
  std::uint64_t packs_deleted = 0;
  std::uint64_t bytes_deleted = 0;
  std::uint64_t packs_live = 0;
  std::uint64_t packs_kept_young = 0;    // unreferenced, but within the grace period
  std::uint64_t packs_kept_session = 0;  // granted to an upload session still open
  std::uint64_t uploads_deleted = 0;     // leftovers of abandoned upload sessions
};

// gc spares unreferenced objects younger than the PUT URL lifetime plus this: an upload may
// start until its URL expires, then take a while (decision 0016, "gc of bucket objects").
inline constexpr std::chrono::seconds kGcGraceAfterExpiry{3600};
inline constexpr std::chrono::seconds kGcGrace = kPutUrlExpiry + kGcGraceAfterExpiry;

// What StoreBacking::upload_local did.
struct MigrateReport {
  std::uint64_t chunks = 0;  // chunks uploaded
  std::uint64_t bytes = 0;   // their stored bytes (data packs), indexes left out
  std::uint64_t packs = 0;   // data packs written
};

// Thread-safe.
class StoreBacking {
 public:
  // Connects, checks the bucket, reads the manifest and every pack index. Throws: S3Error
  // (credentials, bucket, endpoint: the message says which), InvalidArgument, Corrupt.
  static std::unique_ptr<StoreBacking> open(const StoreConfig& config);

  std::string describe() const;  // "s3://bucket/prefix/ at http://..."
  // gc's default grace period: the PUT URL lifetime plus kGcGraceAfterExpiry.
  std::chrono::seconds gc_grace() const noexcept { return put_ttl_ + kGcGraceAfterExpiry; }
  std::vector<Digest> missing(std::span<const Digest> ids) const;
  ChunkLocations locate(std::span<const Digest> ids) const;
  // Presigned PUT URLs into an upload session (a new one when request.session is empty).
  // Throws: InvalidArgument (unknown session, sizes out of range).
  protocol::UploadReply grant(const protocol::UploadRequest& request);

  // What a push's upload session brought, verified: for each pack, its index (as uploaded),
  // the pack copied on the store from the client's upload key to its final key (which no
  // client ever had a URL for), its size checked, and every chunk read back and verified
  // against its digest. Throws: Corrupt (a chunk or index fails), Remote (a pack the session
  // granted is missing: the upload did not finish), S3Error.
  std::vector<PackIndex> verify_session(const std::string& session);
  // Writes the verified packs' indexes and adds them to the catalog. Throws: S3Error.
  void add_packs(const std::vector<PackIndex>& packs);
  // Stores `history_pack` (when not empty) and then the manifest with `refs`. Throws: S3Error.
  void publish(ByteView history_pack, const RefList& refs);
  // Uploads the chunks `ids` of the repository's own disk into the store (decision 0019), in
  // digest order, each verified (decode, digest) before it goes: data packs of ~32 MiB written
  // straight to their final keys, then each pack's index, then the manifest naming the pack,
  // pack after pack. A run that stops anywhere leaves at most one pack that no manifest names
  // (gc's to delete); the next run skips what the manifest names and writes the rest (the same
  // chunks in the same order give the same pack names). `progress(done, total)` after each
  // pack. REQUIRES: no client is served yet (nothing else writes the manifest).
  // Throws: NotLocal (a chunk vanished), Corrupt (a local chunk fails verification), S3Error,
  // Interrupted.
  MigrateReport upload_local(const Repository& repo, std::span<const Digest> ids,
                             const std::function<void(std::uint64_t, std::uint64_t)>& progress);
  // Deletes the session's upload keys (best effort) and forgets it.
  void end_session(const std::string& session) noexcept;

  // Deletes the data packs none of whose chunks is in `live` (with their indexes), unless one
  // is granted to an open upload session or is younger than `grace`; and the upload keys of
  // closed sessions older than `grace`. The manifest is rewritten without the deleted packs
  // before any is deleted. REQUIRES: the caller holds the push lock, so no push completes
  // meanwhile (one that already verified its packs waits; its packs are young or leased).
  // Throws: S3Error.
  GcReport gc(const std::unordered_set<Digest>& live, const RefList& refs,
              std::chrono::seconds grace);

  s3::Client& client() noexcept { return *client_; }

 private:
  StoreBacking() = default;
  struct Session {
    std::vector<PackUpload> packs;
    std::chrono::system_clock::time_point expires;
  };
  std::string incoming_key(const std::string& session, const Digest& pack, bool index) const;

  std::unique_ptr<s3::Client> client_;
  StoreUrl url_;
  std::chrono::seconds get_ttl_ = kGetUrlExpiry;
  std::chrono::seconds put_ttl_ = kPutUrlExpiry;
  mutable std::shared_mutex mu_;
  Catalog catalog_;
  Manifest manifest_;
  std::map<std::string, Session> sessions_;
};

}  // namespace hangar::remote::store
