// `hangar server`: serves one repository over HTTP/1.1 (docs/format/protocol.md).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hangar::remote {

struct ServerOptions {
  std::filesystem::path root;  // the repository to serve
  std::string bind = "127.0.0.1";
  int port = 0;                                      // 0: any free port (see Server::port())
  std::optional<std::filesystem::path> tokens_file;  // "read TOKEN" / "write TOKEN" lines
  bool anonymous_read = false;                       // with tokens: reads need no token
  unsigned threads = 16;                             // concurrent connections served
  int protocol_version = 0;  // tests only: speak only this (newer) protocol (0: ours)
  // Chunk data in an object store (docs/decisions/0016-s3-object-store.md): "s3://BUCKET/PREFIX"
  // or empty. Credentials as AWS tools take them (AWS_* variables, ~/.aws/credentials).
  std::string store;
  std::string s3_endpoint;  // empty: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::string s3_region;    // empty: AWS_REGION / AWS_DEFAULT_REGION / us-east-1
  // gc of the store spares unreferenced objects younger than this (0: the default, 2 h).
  // Tests only: a grace of 0 s lets a test see deletion at once.
  std::optional<int> store_gc_grace_s;
};

// Owns the opened repository and the listening socket. Without a 'write' token in a tokens file
// the repository is opened read-only and pushes are refused; with one it is opened for writing
// (the server then holds the repository's writer lock while it runs, like a bare git
// repository). run() on one thread; stop() from any.
class Server {
 public:
  // Opens the repository, reads the tokens, connects to the object store (if any), binds the
  // socket. Throws: NotFound (no repository), Locked, InvalidArgument (tokens file, store URL,
  // no S3 credentials), Io (cannot bind), s3::S3Error (wrong credentials, missing bucket,
  // endpoint down: the message says which).
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const noexcept;
  // "http://127.0.0.1:PORT"
  std::string url() const;
  bool read_only() const noexcept;
  // "s3://bucket/prefix/ at http://..." or "" without a store.
  std::string store() const;
  // Serves until stop(); in-flight requests finish first. Throws: Io.
  void run();
  // Thread-safe; idempotent.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::remote
