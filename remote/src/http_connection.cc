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

#include "protocol.h"

namespace hangar::remote {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

thread_local bool tl_inline = false;

constexpr std::size_t kReadPiece = 16u << 10;
// An error reply and the lingering read after it (so that the client's unread request does not
// turn our close into a reset that loses the reply) wait at most this long.
constexpr milliseconds kReplyTimeout{2000};
constexpr milliseconds kLingerTimeout{1000};
constexpr std::size_t kLingerBytes = 1u << 20;

enum class Wait { Ready, Timeout, Stopped };

// Waits until `sock` is ready for `events` (or in error: the next call says which), `until`
// passes, or `stop_fd` (when >= 0) becomes readable while `sock` is not ready: bytes already
// there are still taken when the server stops, so a transfer in flight finishes.
Wait wait_for(int sock, short events, int stop_fd, Clock::time_point until) {
  for (;;) {
    const auto left = std::chrono::ceil<milliseconds>(until - Clock::now()).count();
    if (left <= 0) return Wait::Timeout;
    pollfd p[2] = {{sock, events, 0}, {stop_fd, POLLIN, 0}};
    const int n = ::poll(p, stop_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long>(left, INT_MAX)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wait::Ready;  // the recv or send that follows reports the error
    if (n == 0) continue;           // the loop checks the clock again
    if (p[0].revents != 0) return Wait::Ready;
    if (stop_fd >= 0 && (p[1].revents & POLLIN) != 0) return Wait::Stopped;
  }
}

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

ConnectionStream::ConnectionStream(int sock, int stop_fd, milliseconds io_timeout)
    : sock_(sock), stop_fd_(stop_fd), io_timeout_(io_timeout) {}

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
    for (; scanned < buf_.size(); ++scanned) {
      if (buf_[scanned] != '\n') continue;
      const std::size_t line = scanned + 1 - line_start;
      if (line > max_header_line + 2) return Head::LineTooLong;
      // A line that is only CRLF ends the head (httplib accepts CRLF line ends only).
      if (line == 2 && buf_[line_start] == '\r' && line_start > 0) return Head::Ready;
      line_start = scanned + 1;
    }
    if (buf_.size() - line_start > max_header_line + 2) return Head::LineTooLong;
    if (buf_.size() >= max_head_bytes) return Head::TooLarge;
    switch (wait_for(sock_, POLLIN, stop_fd_, started ? head_by : first_byte_by)) {
      case Wait::Timeout:
        return started ? Head::TooSlow : Head::Closed;
      case Wait::Stopped:
        return Head::Stopped;
      case Wait::Ready:
        break;
    }
    const std::size_t old = buf_.size();
    buf_.resize(old + kReadPiece);
    const ssize_t n = ::recv(sock_, buf_.data() + old, kReadPiece, 0);
    buf_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Head::Closed;
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
    if (wait_for(sock_, POLLOUT, -1, until) != Wait::Ready) return;
    const ssize_t n = ::send(sock_, reply.data() + at, reply.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    at += static_cast<std::size_t>(n);
  }
  ::shutdown(sock_, SHUT_WR);
  const auto linger_until = Clock::now() + kLingerTimeout;
  char sink[4096];
  for (std::size_t drained = 0; drained < kLingerBytes;) {
    if (wait_for(sock_, POLLIN, -1, linger_until) != Wait::Ready) return;
    const ssize_t n = ::recv(sock_, sink, sizeof(sink), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    drained += static_cast<std::size_t>(n);
  }
}

bool ConnectionStream::is_readable() const {
  return buffered() > 0 ||
         wait_for(sock_, POLLIN, stop_fd_, Clock::now() + io_timeout_) == Wait::Ready;
}

bool ConnectionStream::is_writable() const {
  if (wait_for(sock_, POLLOUT, -1, Clock::now() + io_timeout_) != Wait::Ready) return false;
  // Still connected? (a peer that closed makes the socket readable with nothing to read)
  pollfd p{sock_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  char c;
  const ssize_t n = ::recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (buffered() > 0) {
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  // A client that sends nothing more is not waited for once the server stops.
  if (wait_for(sock_, POLLIN, stop_fd_, Clock::now() + io_timeout_) != Wait::Ready) return -1;
  for (;;) {
    const ssize_t n = ::recv(sock_, ptr, size, 0);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (wait_for(sock_, POLLOUT, -1, Clock::now() + io_timeout_) != Wait::Ready) return -1;
  for (;;) {
    const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    ip_and_port(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    ip_and_port(addr, ip, port);
}

// ---- ConnectionGate ----

ConnectionGate::ConnectionGate(ConnectionLimits limits)
    : limits_(limits), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
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

void ConnectionGate::serve(int sock, const ProcessRequest& process) noexcept {
  const std::size_t open = open_.fetch_add(1) + 1;
  try {
    ConnectionStream stream(sock, stop_fd_, limits_.io_timeout);
    if (open > limits_.max_connections || ThreadPerTask::is_inline()) {
      refuse_busy(stream, open);
    } else {
      auto first_byte_by = Clock::now() + limits_.head_timeout;
      for (std::size_t n = 0; n < limits_.max_requests && !stopped_.load(); ++n) {
        const auto head = stream.read_head(first_byte_by, limits_.head_timeout,
                                           limits_.max_head_bytes, limits_.max_header_line);
        if (head == ConnectionStream::Head::Ready) {
          bool closed = false;
          if (!process(stream, n + 1 == limits_.max_requests, closed) || closed) break;
          first_byte_by = Clock::now() + limits_.idle_timeout;
          continue;
        }
        if (head == ConnectionStream::Head::TooSlow)
          stream.reply_and_close(408, "request head not received in full within " +
                                          std::to_string(limits_.head_timeout.count()) +
                                          " ms; the connection is closed");
        if (head == ConnectionStream::Head::TooLarge)
          stream.reply_and_close(431, "request head too large: over " +
                                          std::to_string(limits_.max_head_bytes) + " bytes");
        if (head == ConnectionStream::Head::LineTooLong)
          stream.reply_and_close(431, "request header too large: a line of over " +
                                          std::to_string(limits_.max_header_line + 2) +
                                          " bytes (a token that long? tokens are at most " +
                                          std::to_string(protocol::kMaxTokenBytes) + " bytes)");
        break;
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
