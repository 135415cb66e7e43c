// `hangar server`: serves one repository over HTTP/1.1 (docs/format/protocol.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote {

struct ServerOptions {
  std::filesystem::path root;  // the repository to serve
  std::string bind = "127.0.0.1";
  int port = 0;                                      // 0: any free port (see Server::port())
  std::optional<std::filesystem::path> tokens_file;  // "read TOKEN" / "write TOKEN" lines
  bool anonymous_read = false;                       // with tokens: reads need no token
  // Connections open at once, each served on a thread of its own; more are answered 503.
  std::size_t max_connections = 256;
  // A request head must arrive whole within head_timeout of its first byte (else 408); a
  // connection's first byte within head_timeout, each later one within idle_timeout.
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds idle_timeout{5000};
  // TLS (docs/decisions/0018-tls.md): with both set the server speaks HTTPS only. PEM files:
  // the certificate (then any intermediate CA certificates) and its private key, unencrypted.
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  int protocol_version = 0;  // tests only: speak only this (newer) protocol (0: ours)
  // Chunk data in an object store (docs/decisions/0016-s3-object-store.md): "s3://BUCKET/PREFIX"
  // or empty. Credentials as AWS tools take them (AWS_* variables, ~/.aws/credentials).
  std::string store;
  std::string s3_endpoint;  // empty: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::string s3_region;    // empty: AWS_REGION / AWS_DEFAULT_REGION / us-east-1
  // An https:// endpoint's certificate is checked against SSL_CERT_FILE / SSL_CERT_DIR, or the
  // system's CA certificates; s3_insecure skips the check (--s3-insecure).
  bool s3_insecure = false;
  // Lifetime of the presigned URLs handed to clients, in seconds (1 to 604800); nullopt: 900
  // for downloads, 3600 for uploads. Clients whose URLs expire mid-transfer ask for new ones.
  std::optional<int> presign_ttl_s;
  // With a store: chunks on the repository's own disk that the store lacks (served before
  // without --store, or local work since) are uploaded into it before the server binds
  // (docs/decisions/0019-migrating-local-chunks.md); without this, such chunks make the server
  // refuse to start. `migrate_progress(done, total)` after each pack uploaded.
  bool migrate_local = false;
  std::function<void(std::uint64_t, std::uint64_t)> migrate_progress;
  // gc of the store spares unreferenced objects younger than this (0: the default, 2 h).
  // Tests only: a grace of 0 s lets a test see deletion at once.
  std::optional<int> store_gc_grace_s;
};

// True for an address only this machine can reach: "localhost", 127.0.0.0/8, ::1 and
// ::ffff:127.x.y.z. Anything else, "0.0.0.0", "::" and host names included, is not.
bool is_loopback_address(std::string_view bind);

// What starting a server with `options` exposes, one line each, for the operator (empty:
// nothing): bound beyond loopback without tokens (anyone who reaches it can read), or with
// tokens but without TLS (tokens and data travel in clear); with TLS the tokens are safe and
// only the first case stays.
std::vector<std::string> exposure_warnings(const ServerOptions& options);

// Owns the opened repository and the listening socket. Without a 'write' token in a tokens file
// the repository is opened read-only and pushes are refused; with one it is opened Shared: the
// server takes the repository's writer lock only while it applies a push, so local work (put,
// commit, import) goes on beside it, and every request reads the refs as they are then.
// run() on one thread; stop() from any.
class Server {
 public:
  // Loads the TLS certificate and key (if any), opens the repository, reads the tokens,
  // connects to the object store (if any) and checks that it holds every local chunk (or
  // uploads them, migrate_local), binds the socket. Throws: NotFound (no repository,
  // no certificate or key file), Locked, InvalidArgument (tokens file, store URL, no S3
  // credentials, a certificate or key that is not usable or only one of the two, local chunks
  // the store lacks without migrate_local; the message says why), Interrupted (migrating),
  // Io (cannot bind, cannot read a file), s3::S3Error (wrong credentials, missing bucket,
  // endpoint down: the message says which).
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const noexcept;
  // "http://127.0.0.1:PORT", "https://127.0.0.1:PORT" with TLS
  std::string url() const;
  bool read_only() const noexcept;
  // "s3://bucket/prefix/ at http://..." or "" without a store.
  std::string store() const;
  // What ServerOptions::migrate_local uploaded: chunks, their stored bytes, packs.
  struct Migrated {
    std::uint64_t chunks = 0;
    std::uint64_t bytes = 0;
    std::uint64_t packs = 0;
  };
  Migrated migrated() const noexcept;
  // Serves until stop(); in-flight requests finish first. Throws: Io.
  void run();
  // Thread-safe; idempotent.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::remote
