// Connections of the HTTP server (http_connection.h).
//
// Why a thread per connection and deadlines on heads: a connection costs the server a thread
// only while it is open, so idle or slow clients cannot starve others of workers (the limit on
// open connections bounds threads and descriptors), and the head deadline plus the idle
// timeout bound how long any one of them stays open without sending a request. Waits on a
// head poll the socket together with an eventfd that stop() makes readable, so a stopping
// server wakes every idle connection at once instead of polling a flag.
#include "http_connection.h"

#include <arpa/inet.h>
#include <hangar/error.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <string_view>

#include "openssl_errors.h"
#include "protocol.h"
#include "tls_channel.h"

namespace hangar::remote {
namespace {

using std::chrono::milliseconds;

thread_local bool tl_inline = false;

constexpr std::size_t kReadPiece = 16u << 10;
constexpr std::size_t kBodyReadAhead = 64u << 10;  // per connection, while it reads a body
// The first byte of a TLS handshake record: what an https:// client sends first.
constexpr unsigned char kTlsHandshake = 0x16;
// An error reply and the lingering read after it (so that the client's unread request does not
// turn our close into a reset that loses the reply) wait at most this long.
constexpr milliseconds kReplyTimeout{2000};
constexpr milliseconds kLingerTimeout{1000};
constexpr std::size_t kLingerBytes = 1u << 20;

std::string_view reason_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void ip_and_port(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof(text));
    port = ntohs(a.sin6_port);
  }
  ip = text;
}

}  // namespace

// ---- ThreadPerTask ----

void ThreadPerTask::enqueue(std::function<void()> fn) {
  // Shared, so that the task still runs (and closes its socket) when no thread can be made.
  auto task = std::make_shared<std::function<void()>>(std::move(fn));
  {
    std::lock_guard lock(mu_);
    reap_locked();
    const std::uint64_t id = next_++;
    try {
      live_.emplace(id, std::thread([this, id, task] {
                      (*task)();
                      std::lock_guard done(mu_);
                      finished_.push_back(id);
                    }));
      return;
    } catch (const std::system_error&) {
      // No thread (resource limits): run it here, marked, so that it is refused at once.
    }
  }
  tl_inline = true;
  (*task)();
  tl_inline = false;
}

void ThreadPerTask::reap_locked() {
  for (const std::uint64_t id : finished_) {
    auto it = live_.find(id);
    if (it == live_.end()) continue;
    it->second.join();  // it has ended its task; it returns at once
    live_.erase(it);
  }
  finished_.clear();
}

void ThreadPerTask::shutdown() {
  for (;;) {
    std::map<std::uint64_t, std::thread> all;
    {
      std::lock_guard lock(mu_);
      reap_locked();
      all.swap(live_);
    }
    if (all.empty()) return;
    for (auto& [id, t] : all) t.join();
    std::lock_guard lock(mu_);
    std::erase_if(finished_, [&](std::uint64_t id) { return all.count(id) != 0; });
  }
}

bool ThreadPerTask::is_inline() noexcept { return tl_inline; }

// ---- ConnectionStream ----

ConnectionStream::ConnectionStream(std::unique_ptr<Channel> channel, int stop_fd,
                                   milliseconds io_timeout)
    : channel_(std::move(channel)), stop_fd_(stop_fd), io_timeout_(io_timeout) {}

ConnectionStream::Head ConnectionStream::read_head(Clock::time_point first_byte_by,
                                                   milliseconds head_timeout,
                                                   std::size_t max_head_bytes,
                                                   std::size_t max_header_line) {
  // Bytes before pos_ were consumed by the previous request: drop them.
  buf_.erase(0, pos_);
  pos_ = 0;
  bool started = !buf_.empty();
  auto head_by = Clock::now() + head_timeout;
  std::size_t scanned = 0;     // bytes of buf_ searched for line ends
  std::size_t line_start = 0;  // where the line being scanned starts
  for (;;) {
    if (first_head_ && !buf_.empty() && static_cast<unsigned char>(buf_[0]) == kTlsHandshake)
      return Head::NotHttp;
    for (; scanned < buf_.size(); ++scanned) {
      if (buf_[scanned] != '\n') continue;
      const std::size_t line = scanned + 1 - line_start;
      if (line > max_header_line + 2) return Head::LineTooLong;
      // A line that is only CRLF ends the head (httplib accepts CRLF line ends only).
      if (line == 2 && buf_[line_start] == '\r' && line_start > 0) {
        first_head_ = false;
        return Head::Ready;
      }
      line_start = scanned + 1;
    }
    if (buf_.size() - line_start > max_header_line + 2) return Head::LineTooLong;
    if (buf_.size() >= max_head_bytes) return Head::TooLarge;
    const std::size_t old = buf_.size();
    buf_.resize(old + kReadPiece);
    const IoResult r =
        channel_->read(buf_.data() + old, kReadPiece, stop_fd_, started ? head_by : first_byte_by);
    buf_.resize(old + r.bytes);
    switch (r.status) {
      case IoResult::Done:
        break;
      case IoResult::Timeout:
        return started ? Head::TooSlow : Head::Closed;
      case IoResult::Stopped:
        return Head::Stopped;
      case IoResult::Closed:
      case IoResult::Failed:
        return Head::Closed;
    }
    if (!started) {
      started = true;
      head_by = Clock::now() + head_timeout;
    }
  }
}

void ConnectionStream::reply_and_close(int status, const std::string& message) {
  const std::string body = protocol::encode_error(message);
  const std::string reply =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_of(status)) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  const auto until = Clock::now() + kReplyTimeout;
  for (std::size_t at = 0; at < reply.size();) {
    const IoResult r = channel_->write(reply.data() + at, reply.size() - at, until);
    if (r.status != IoResult::Done) return;
    at += r.bytes;
  }
  channel_->shutdown_write();
  const auto linger_until = Clock::now() + kLingerTimeout;
  char sink[4096];
  for (std::size_t drained = 0; drained < kLingerBytes;) {
    const IoResult r = channel_->read(sink, sizeof(sink), -1, linger_until);
    if (r.status != IoResult::Done) return;
    drained += r.bytes;
  }
}

bool ConnectionStream::is_readable() const {
  return buffered() > 0 || channel_->has_buffered() ||
         wait_for(channel_->socket(), POLLIN, stop_fd_, Clock::now() + io_timeout_) == Wait::Ready;
}

bool ConnectionStream::is_writable() const {
  const int sock = channel_->socket();
  if (wait_for(sock, POLLOUT, -1, Clock::now() + io_timeout_) != Wait::Ready) return false;
  // Still connected? (a peer that closed makes the socket readable with nothing to read)
  pollfd p{sock, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  char c;
  const ssize_t n = ::recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (buffered() > 0) {
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  if (size == 0) return 0;
  // httplib reads a body 4 KiB at a time (CPPHTTPLIB_RECV_BUFSIZ is fixed in Debian's compiled
  // libcpp-httplib): a 40 MB push cost 10,000 poll + recv pairs. Read ahead up to
  // kBodyReadAhead instead; bytes past this request's end stay for the next (read_head).
  if (size < kBodyReadAhead) {
    buf_.resize(kBodyReadAhead);
    pos_ = 0;
    const IoResult r =
        channel_->read(buf_.data(), kBodyReadAhead, stop_fd_, Clock::now() + io_timeout_);
    buf_.resize(r.status == IoResult::Done ? r.bytes : 0);
    if (buf_.empty()) return r.status == IoResult::Done || r.status == IoResult::Closed ? 0 : -1;
    return read(ptr, size);  // from buf_, which is not empty
  }
  // A client that sends nothing more is not waited for once the server stops.
  const IoResult r = channel_->read(ptr, size, stop_fd_, Clock::now() + io_timeout_);
  if (r.status == IoResult::Done) return static_cast<ssize_t>(r.bytes);
  return r.status == IoResult::Closed ? 0 : -1;
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (size == 0) return 0;
  const IoResult r = channel_->write(ptr, size, Clock::now() + io_timeout_);
  return r.status == IoResult::Done ? static_cast<ssize_t>(r.bytes) : -1;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(channel_->socket(), reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    ip_and_port(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(channel_->socket(), reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    ip_and_port(addr, ip, port);
}

// ---- ConnectionGate ----

ConnectionGate::ConnectionGate(ConnectionLimits limits, std::shared_ptr<const TlsServerContext> tls)
    : limits_(limits), tls_(std::move(tls)), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (stop_fd_ < 0) fail_errno(errno, "cannot create an eventfd for", "the HTTP server");
}

ConnectionGate::~ConnectionGate() { ::close(stop_fd_); }

void ConnectionGate::stop() noexcept {
  stopped_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof(one));
}

void ConnectionGate::refuse_busy(ConnectionStream& stream, std::size_t open) noexcept {
  // Read the request head first (briefly; not when running on the accept thread), so that the
  // client reads the reply rather than a reset.
  if (!ThreadPerTask::is_inline())
    stream.read_head(Clock::now() + kReplyTimeout, kReplyTimeout, limits_.max_head_bytes,
                     limits_.max_header_line);
  stream.reply_and_close(503, "server busy: " + std::to_string(open) +
                                  " connections are open and its limit is " +
                                  std::to_string(limits_.max_connections) +
                                  " (hangar server --max-connections); retry shortly");
}

std::unique_ptr<ConnectionStream> ConnectionGate::open_stream(int sock, Clock::time_point until) {
  auto plain = [&] {
    return std::make_unique<ConnectionStream>(std::make_unique<PlainChannel>(sock), stop_fd_,
                                              limits_.io_timeout);
  };
  if (!tls_) return plain();
  // No handshake on the accept thread (no thread could be made for it): it would hold up
  // every other connection. The client sees its handshake fail.
  if (ThreadPerTask::is_inline()) return nullptr;
  if (wait_for(sock, POLLIN, stop_fd_, until) != Wait::Ready) return nullptr;  // nothing came
  if (!starts_tls_handshake(sock)) {
    // Plain HTTP to the TLS port: answered in clear, so that its client can say what to do.
    auto stream = plain();
    if (stream->read_head(until, limits_.head_timeout, limits_.max_head_bytes,
                          limits_.max_header_line) == ConnectionStream::Head::Ready)
      stream->reply_and_close(400, std::string(protocol::kPlainToTlsMessage));
    return nullptr;
  }
  auto channel = std::make_unique<TlsChannel>(sock, *tls_);
  if (channel->accept(stop_fd_, until) != TlsChannel::Handshake::Done) return nullptr;
  return std::make_unique<ConnectionStream>(std::move(channel), stop_fd_, limits_.io_timeout);
}

void ConnectionGate::serve_requests(ConnectionStream& stream, const ProcessRequest& process) {
  auto first_byte_by = Clock::now() + limits_.head_timeout;
  for (std::size_t n = 0; n < limits_.max_requests && !stopped_.load(); ++n) {
    const auto head = stream.read_head(first_byte_by, limits_.head_timeout, limits_.max_head_bytes,
                                       limits_.max_header_line);
    if (head == ConnectionStream::Head::Ready) {
      bool closed = false;
      if (!process(stream, n + 1 == limits_.max_requests, closed) || closed) return;
      first_byte_by = Clock::now() + limits_.idle_timeout;
      continue;
    }
    if (head == ConnectionStream::Head::TooSlow)
      stream.reply_and_close(408, "request head not received in full within " +
                                      std::to_string(limits_.head_timeout.count()) +
                                      " ms; the connection is closed");
    if (head == ConnectionStream::Head::TooLarge)
      stream.reply_and_close(
          431, "request head too large: over " + std::to_string(limits_.max_head_bytes) + " bytes");
    if (head == ConnectionStream::Head::LineTooLong)
      stream.reply_and_close(431, "request header too large: a line of over " +
                                      std::to_string(limits_.max_header_line + 2) +
                                      " bytes (a token that long? tokens are at most " +
                                      std::to_string(protocol::kMaxTokenBytes) + " bytes)");
    return;
  }
}

void ConnectionGate::serve(int sock, const ProcessRequest& process) noexcept {
  const std::size_t open = open_.fetch_add(1) + 1;
  try {
    const SigpipeGuard no_sigpipe;  // TLS writes: EPIPE, not a signal, when the client is gone
    const bool busy = open > limits_.max_connections || ThreadPerTask::is_inline();
    const auto until = Clock::now() + (busy ? kReplyTimeout : limits_.head_timeout);
    if (auto stream = open_stream(sock, until)) {
      if (busy) {
        refuse_busy(*stream, open);
      } else {
        serve_requests(*stream, process);
      }
    }
  } catch (...) {
    // httplib catches what handlers throw; anything else ends only this connection.
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  open_.fetch_sub(1);
}

}  // namespace hangar::remote
