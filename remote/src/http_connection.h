// How the HTTP server (http_server.cc) holds its connections, in place of cpp-httplib's fixed
// thread pool: a thread per connection up to a limit (more are answered 503 at once), a
// deadline for every request head and for idle keep-alive, and the Stream httplib parses
// requests from. Why: with httplib's pool of 16 workers, 16 connections that sent half a
// request held every worker for the 60 s read timeout and a real client got no answer
//. Private to the remote module.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channel.h"
#include "tls_server_context.h"

namespace hangar::remote {

struct ConnectionLimits {
  std::size_t max_connections = 256;              // open at once; more are answered 503
  std::chrono::milliseconds head_timeout{10000};  // a request head arrives whole within this
  std::chrono::milliseconds idle_timeout{5000};   // keep-alive: the next request starts within
  std::chrono::milliseconds io_timeout{60000};    // a body read or a write stalls at most this
  std::size_t max_head_bytes = 64u << 10;         // request line and headers
  std::size_t max_header_line = 8190;             // httplib's limit, with its CRLF: 8192
  std::size_t max_requests = 1000;                // per connection
};

// A httplib TaskQueue that runs each task (one accepted connection) on a thread of its own and
// joins them all at shutdown(). When no thread can be made, the task runs on the caller's
// thread with is_inline() true (the connection is then refused at once).
class ThreadPerTask final : public httplib::TaskQueue {
 public:
  ~ThreadPerTask() override { shutdown(); }
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;
  static bool is_inline() noexcept;

 private:
  void reap_locked();
  std::mutex mu_;
  std::map<std::uint64_t, std::thread> live_;
  std::vector<std::uint64_t> finished_;
  std::uint64_t next_ = 0;
};

// The bytes of one connection: what read_head() took from its channel (in clear or TLS), then
// the channel itself. Reads and writes wait at most io_timeout for progress; a read that would
// wait ends at once when the server stops (stop_fd readable). One per connection (bytes after
// one request's end stay for the next); used by one thread. The plain-HTTP client reads its
// replies through one too (one per request, stop_fd -1: http_transport.cc).
class ConnectionStream final : public httplib::Stream {
 public:
  // NotHttp: the connection's first bytes open a TLS handshake (an https:// client of a server
  // without TLS); it is closed at once, so that the client fails now rather than at a timeout.
  enum class Head { Ready, Closed, TooSlow, TooLarge, LineTooLong, Stopped, NotHttp };

  ConnectionStream(std::unique_ptr<Channel> channel, int stop_fd,
                   std::chrono::milliseconds io_timeout);

  // Reads until the buffered bytes hold a whole request head (through its blank line): its
  // first byte must come by `first_byte_by`, the rest within `head_timeout` of it. Closed: the
  // peer closed or sent nothing in time; Stopped: the server is stopping.
  Head read_head(Clock::time_point first_byte_by, std::chrono::milliseconds head_timeout,
                 std::size_t max_head_bytes, std::size_t max_header_line);
  // Writes a whole error reply with a JSON body and "Connection: close".
  void reply_and_close(int status, const std::string& message);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return channel_->socket(); }

 private:
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }
  std::unique_ptr<Channel> channel_;
  int stop_fd_;
  std::chrono::milliseconds io_timeout_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool first_head_ = true;  // read_head has not returned Ready yet
};

// Serves accepted connections under ConnectionLimits, in clear or, given a TLS context, through
// TLS only: the handshake must be done within head_timeout of the accept, and a plain HTTP
// request is answered 400 in clear, saying to use https://. Thread-safe.
class ConnectionGate {
 public:
  // Parses and answers one request from the stream (httplib's Server::process_request); false
  // ends the connection, as does `connection_closed`.
  using ProcessRequest =
      std::function<bool(httplib::Stream&, bool close_connection, bool& connection_closed)>;

  // `tls`: null for plain HTTP. Throws: Io (no eventfd).
  explicit ConnectionGate(ConnectionLimits limits,
                          std::shared_ptr<const TlsServerContext> tls = nullptr);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Serves `sock` until it closes, a limit ends it or the server stops; then closes it.
  void serve(int sock, const ProcessRequest& process) noexcept;
  // Connections waiting for a request head, or for body bytes that do not come, wake and close;
  // requests whose bytes flow finish.
  void stop() noexcept;
  const ConnectionLimits& limits() const noexcept { return limits_; }
  bool is_tls() const noexcept { return tls_ != nullptr; }

 private:
  // The connection's stream once it is ready for requests (after the TLS handshake, which must
  // end by `until`), or null when it is to be closed.
  std::unique_ptr<ConnectionStream> open_stream(int sock, Clock::time_point until);
  void serve_requests(ConnectionStream& stream, const ProcessRequest& process);
  void refuse_busy(ConnectionStream& stream, std::size_t open) noexcept;
  ConnectionLimits limits_;
  std::shared_ptr<const TlsServerContext> tls_;
  int stop_fd_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> open_{0};
};

}  // namespace hangar::remote
