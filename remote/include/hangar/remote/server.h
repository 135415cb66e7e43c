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
};

// Owns the opened repository and the listening socket. Without a 'write' token in a tokens file
// the repository is opened read-only and pushes are refused; with one it is opened Shared: the
// server takes the repository's writer lock only while it applies a push, so local work (put,
// commit, import) goes on beside it, and every request reads the refs as they are then.
// run() on one thread; stop() from any.
class Server {
 public:
  // Opens the repository, reads the tokens, binds the socket.
  // Throws: NotFound (no repository), InvalidArgument (tokens file), Io (cannot bind).
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const noexcept;
  // "http://127.0.0.1:PORT"
  std::string url() const;
  bool read_only() const noexcept;
  // Serves until stop(); in-flight requests finish first. Throws: Io.
  void run();
  // Thread-safe; idempotent.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::remote
