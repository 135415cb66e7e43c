// The server's side of one TLS connection (channel.h): OpenSSL over a socket made non-blocking,
// so that the handshake and every read and write wait with the deadlines of ConnectionGate
// (http_connection.h) and wake when the server stops. Private to the remote module.
#pragma once

#include <openssl/ssl.h>

#include "channel.h"
#include "tls_server_context.h"

namespace hangar::remote {

// True when the first byte waiting on `sock` opens a TLS handshake record (a ClientHello);
// false for anything else (a plain HTTP request starts with a method name) and for nothing.
bool starts_tls_handshake(int sock) noexcept;

// One TLS session. Does not own the socket; `context` must outlive it. Used by one thread;
// SigpipeGuard on that thread keeps a write to a closed connection from raising SIGPIPE.
class TlsChannel final : public Channel {
 public:
  enum class Handshake { Done, Closed, Timeout, Stopped, Failed };

  // Makes `sock` non-blocking. Throws: Io (OpenSSL cannot make a session).
  TlsChannel(int sock, const TlsServerContext& context);
  ~TlsChannel() override;
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // The server's side of the handshake, done by `until`; Stopped when `stop_fd` is readable
  // while it waits. REQUIRES: called once, before read() and write().
  Handshake accept(int stop_fd, Clock::time_point until);

  IoResult read(char* ptr, std::size_t size, int stop_fd, Clock::time_point until) override;
  IoResult write(const char* ptr, std::size_t size, Clock::time_point until) override;
  bool has_buffered() const noexcept override;
  void shutdown_write() noexcept override;
  int socket() const noexcept override { return sock_; }

 private:
  // What SSL_get_error says of a call that returned `ret`: wait for the socket and retry
  // (Done), or give up with the status returned.
  IoResult::Status retry_after(int ret, int stop_fd, Clock::time_point until);

  int sock_;
  SSL* ssl_;
  bool broken_ = false;  // a fatal error: no close_notify may be sent
  bool shut_ = false;    // close_notify sent
};

}  // namespace hangar::remote
