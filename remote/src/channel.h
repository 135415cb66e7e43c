// The bytes of one connection the HTTP server accepted, in clear (PlainChannel) or through TLS
// (TlsChannel, tls_channel.h): what ConnectionStream (http_connection.h) reads and writes. Every
// wait has a deadline, and a read that would wait ends when the server stops. Private to the
// remote module.
#pragma once

#include <chrono>
#include <cstddef>

namespace hangar::remote {

using Clock = std::chrono::steady_clock;

enum class Wait { Ready, Timeout, Stopped };

// Waits until `sock` is ready for `events` (or in error: the next call says which), `until`
// passes, or `stop_fd` (when >= 0) becomes readable while `sock` is not ready: bytes already
// there are still taken when the server stops, so a transfer in flight finishes.
Wait wait_for(int sock, short events, int stop_fd, Clock::time_point until);

// What one read or write did.
struct IoResult {
  enum Status { Done, Closed, Timeout, Stopped, Failed };
  Status status = Failed;
  std::size_t bytes = 0;  // > 0 with Done
};

// One connection's byte pipe. Does not own the socket (ConnectionGate closes it, or the
// client's httplib). Used by one thread.
class Channel {
 public:
  virtual ~Channel() = default;
  // Some of `size` (> 0) bytes: waits for the first until `until`, or until `stop_fd` (>= 0)
  // is readable while nothing has arrived (Stopped). Closed: the peer ended the connection.
  virtual IoResult read(char* ptr, std::size_t size, int stop_fd, Clock::time_point until) = 0;
  // Writes some of `size` (> 0) bytes, waiting for room until `until`.
  virtual IoResult write(const char* ptr, std::size_t size, Clock::time_point until) = 0;
  // True when read() has bytes without waiting on the socket (TLS: a record decrypted already).
  virtual bool has_buffered() const noexcept = 0;
  // Ends what this side sends (TLS: close_notify, then the socket's FIN); reads go on.
  virtual void shutdown_write() noexcept = 0;
  virtual int socket() const noexcept = 0;
};

// The socket's bytes as they are.
class PlainChannel final : public Channel {
 public:
  explicit PlainChannel(int sock) noexcept : sock_(sock) {}
  IoResult read(char* ptr, std::size_t size, int stop_fd, Clock::time_point until) override;
  IoResult write(const char* ptr, std::size_t size, Clock::time_point until) override;
  bool has_buffered() const noexcept override { return false; }
  void shutdown_write() noexcept override;
  int socket() const noexcept override { return sock_; }

 private:
  int sock_;
};

}  // namespace hangar::remote
