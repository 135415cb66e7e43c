// The byte pipe to another repository (STYLE 8.4): a Transport speaks the hangar protocol to a
// server over HTTP (HttpTransport) or to a repository on disk (LocalTransport), chosen by one
// switch, open_transport(). Negotiation and selection live apart from it (operations.h).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hangar::remote {

// Receives a pack stream piece by piece (the PackReader implements it). write() may throw to
// abort the transfer.
class PackSink {
 public:
  virtual ~PackSink() = default;
  virtual void write(ByteView bytes) = 0;
};

// Produces a pack stream piece by piece. next() returns the next piece (valid until the next
// call), or an empty view at the end.
class PackSource {
 public:
  virtual ~PackSource() = default;
  virtual ByteView next() = 0;
};

struct ServerInfo {
  int protocol = 0;       // the version both sides speak (negotiated)
  std::string server;     // "hangar 0.1.0"
  std::string name;       // the served repository's folder name (clone's default DIR)
  bool read_only = true;  // the server refuses pushes
  std::vector<std::string> capabilities;
};

struct RemoteBranch {
  std::string name;  // "main"
  Digest commit;
};

struct RefList {
  std::string head;                    // the branch the server's HEAD names (may be unborn)
  std::vector<RemoteBranch> branches;  // sorted by name
  std::vector<RemoteBranch> tags;      // refs/tags/*, sorted by name (none from older servers)
};

struct HistoryRequest {
  std::vector<Digest> wants;  // commits the client wants
  std::vector<Digest> haves;  // commits the client holds with all their history
};

// One compare-and-swap ref update on the server: refs/heads/`branch` (refs/tags/`branch` when
// `tag`) from `expected` (nullopt: must not exist) to `desired`. Without `force`, a branch's
// `desired` must descend from `expected`, and a tag must not exist yet (a push never moves a
// tag unless forced).
struct RefUpdate {
  std::string branch;  // a branch name, or a tag name when `tag`
  std::optional<Digest> expected;
  Digest desired;
  bool force = false;
  bool tag = false;
  // "refs/heads/main", "refs/tags/v1".
  std::string ref() const { return (tag ? "refs/tags/" : "refs/heads/") + branch; }
  // "branch 'main'", "tag 'v1'": for messages.
  std::string what() const { return (tag ? "tag '" : "branch '") + branch + "'"; }
};

// A push the server received: accepted, or rejected with a reason (stale ref, not a fast-
// forward). Transport failures are errors, not replies.
struct PushReply {
  bool accepted = false;
  std::string reason;         // set when rejected
  std::uint64_t objects = 0;  // history objects the server stored that it lacked
  std::uint64_t chunks = 0;   // chunks the server stored that it lacked
};

// Where chunks lie in an object store, with presigned URLs to read them there
// (docs/decisions/0016-s3-object-store.md): the data plane that bypasses the server.
struct ChunkLocations {
  std::vector<std::string> pack_urls;  // presigned GET URLs, one per pack (secret: never print)
  struct Item {
    Digest id;
    std::uint32_t pack = 0;  // index into pack_urls
    std::uint64_t offset = 0;
    std::uint32_t stored_size = 0;
    std::uint32_t raw_size = 0;
    storage::ChunkCodec codec = storage::ChunkCodec::Raw;
    std::uint64_t checksum = 0;  // XXH3-64 of the stored bytes
  };
  std::vector<Item> items;  // the chunks the remote has, in request order
};

// A data pack a push uploads to the object store itself (decision 0016).
struct PackUpload {
  Digest pack;  // SHA-256 of its bytes: its name
  std::uint64_t size = 0;
  std::uint64_t index_size = 0;
};
struct UploadUrls {
  std::string pack_url;  // presigned PUT URLs (secret: never print)
  std::string index_url;
};

// What a server's gc of its object store did (decision 0016, "gc of bucket objects").
struct StoreGcReport {
  std::uint64_t packs_deleted = 0;
  std::uint64_t bytes_deleted = 0;
  std::uint64_t packs_live = 0;
  std::uint64_t packs_kept_young = 0;    // unreferenced but within the grace period
  std::uint64_t packs_kept_session = 0;  // granted to a push still in flight
  std::uint64_t uploads_deleted = 0;     // leftovers of abandoned pushes
};

struct TransportOptions {
  std::string token;  // sent as a bearer token when not empty (HANGAR_TOKEN)
  int connect_timeout_s = 10;
  int io_timeout_s = 120;
  // https:// only: do not verify the server's certificate or its names (--insecure, or the
  // remote's remote.NAME.insecure). Otherwise the chain is checked against SSL_CERT_FILE /
  // SSL_CERT_DIR when set, else the system's CA certificates (docs/decisions/0018-tls.md).
  // The same holds for the object store behind the remote (presigned URLs, an s3:// remote).
  bool insecure = false;
  // The options a command line gets: token from the HANGAR_TOKEN environment variable.
  static TransportOptions from_env();
};

// One connection to one remote. Not thread-safe. Every method may throw:
// Remote (cannot connect, HTTP error, auth with a hint, stream broke), Unsupported (the peer
// speaks a newer protocol), Corrupt (bad reply), NotFound (a path that is not a repository),
// Interrupted (an interrupt was requested, hangar/base/interrupt.h: HTTP requests stop at once,
// even while they wait on the server; push() no longer once its whole pack was sent).
class Transport {
 public:
  virtual ~Transport() = default;
  // The URL or path given to open_transport, for messages.
  virtual const std::string& url() const = 0;
  // Agrees on a protocol version; call first.
  virtual ServerInfo handshake() = 0;
  virtual RefList list_refs() = 0;
  // Streams a pack of the history objects the client lacks into `sink`.
  virtual void fetch_history(const HistoryRequest& request, PackSink& sink) = 0;
  // Streams a pack of the chunks in `ids` that the remote has into `sink`.
  // REQUIRES: ids.size() <= kMaxDigestsPerRequest.
  virtual void fetch_chunks(std::span<const Digest> ids, PackSink& sink) = 0;
  // The digests of `ids` the remote does not have. REQUIRES: ids.size() <= kMaxDigestsPerRequest.
  virtual std::vector<Digest> missing_chunks(std::span<const Digest> ids) = 0;
  // Sends a pack and the ref updates; the remote applies both or nothing.
  virtual PushReply push(std::span<const RefUpdate> updates, PackSource& pack) = 0;
  // ---- data in an object store (decision 0016); defaults: the remote has none ----
  // The locations of `ids` in the remote's object store with presigned GET URLs, or nullopt
  // when the remote serves chunks itself (then use fetch_chunks). Chunks it lacks are left out.
  // REQUIRES: ids.size() <= kMaxDigestsPerRequest.
  virtual std::optional<ChunkLocations> locate_chunks(std::span<const Digest> ids) {
    (void)ids;
    return std::nullopt;
  }
  // True when a push must upload its chunks to the object store (begin_upload) instead of
  // sending them in its pack.
  virtual bool uploads_data() const { return false; }
  // Presigned PUT URLs for `packs`; the uploads belong to the next push() on this transport.
  // Throws: Unsupported (the remote takes chunks in the pack), Remote.
  virtual std::vector<UploadUrls> begin_upload(std::span<const PackUpload> packs);
  // True when this transport was opened with TransportOptions::insecure: the chunks it locates
  // in an object store are then read (and uploaded) without checking the store's certificate.
  virtual bool insecure() const { return false; }
  // Asks the server to delete the objects of its store that nothing reachable names (write
  // access). Throws: Unsupported (no object store), Remote.
  virtual StoreGcReport collect_store_garbage();

  // Body bytes moved so far (payloads, not HTTP headers).
  virtual std::uint64_t bytes_received() const = 0;
  virtual std::uint64_t bytes_sent() const = 0;
};

inline constexpr std::size_t kMaxDigestsPerRequest = 16384;

// The one transport switch: "http://HOST:PORT[/]" and "https://HOST:PORT[/]" give an
// HttpTransport, "s3://BUCKET/PREFIX" a read-only StoreTransport; anything else is a path to a
// repository (LocalTransport). Does not connect yet.
// Throws: InvalidArgument (other schemes, a malformed URL).
std::unique_ptr<Transport> open_transport(const std::string& url, const TransportOptions& options);

// True when `url` names an HTTP or HTTPS remote rather than a path.
bool is_http_url(const std::string& url);

// Tests only (a FailingTransport, STYLE 8.10): when set, open_transport() hands every transport
// it makes to `wrap` and returns what wrap returns. Not thread-safe: set it before any use.
using TransportWrapper = std::function<std::unique_ptr<Transport>(std::unique_ptr<Transport>)>;
void set_transport_wrapper_for_testing(TransportWrapper wrap);

}  // namespace hangar::remote
