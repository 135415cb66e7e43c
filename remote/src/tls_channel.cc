// The server's TLS connections (tls_channel.h).
//
// OpenSSL on a non-blocking socket returns SSL_ERROR_WANT_READ or _WANT_WRITE instead of
// waiting; we then wait for the socket with the caller's deadline and call again. That keeps
// every wait bounded (a client that sends half a record, or half a handshake, holds its thread
// no longer than a plain one that sends half a request head) and lets stop() wake it.
#include "tls_channel.h"

#include <fcntl.h>
#include <hangar/error.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "openssl_errors.h"

namespace hangar::remote {
namespace {

// A TLS record of type handshake (22): how every ClientHello starts.
constexpr unsigned char kHandshakeRecord = 0x16;

int clamp_int(std::size_t n) { return static_cast<int>(std::min<std::size_t>(n, INT_MAX)); }

}  // namespace

bool starts_tls_handshake(int sock) noexcept {
  unsigned char first = 0;
  return ::recv(sock, &first, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && first == kHandshakeRecord;
}

TlsChannel::TlsChannel(int sock, const TlsServerContext& context)
    : sock_(sock), ssl_(SSL_new(context.native())) {
  if (!ssl_) fail(ErrorCode::Io, "OpenSSL cannot make a TLS session: " + take_openssl_errors());
  const int flags = ::fcntl(sock_, F_GETFL);
  if (flags >= 0) ::fcntl(sock_, F_SETFL, flags | O_NONBLOCK);
  if (SSL_set_fd(ssl_, sock_) != 1) {  // a socket BIO that does not close the socket
    SSL_free(ssl_);
    fail(ErrorCode::Io, "OpenSSL cannot attach a socket: " + take_openssl_errors());
  }
}

TlsChannel::~TlsChannel() {
  shutdown_write();
  SSL_free(ssl_);
  ERR_clear_error();  // this thread's queue: nothing left for the next connection to read
}

IoResult::Status TlsChannel::retry_after(int ret, int stop_fd, Clock::time_point until) {
  const int err = SSL_get_error(ssl_, ret);
  Wait w = Wait::Ready;
  switch (err) {
    case SSL_ERROR_WANT_READ:
      w = wait_for(sock_, POLLIN, stop_fd, until);
      break;
    case SSL_ERROR_WANT_WRITE:
      w = wait_for(sock_, POLLOUT, -1, until);
      break;
    case SSL_ERROR_ZERO_RETURN:  // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain FIN
      return IoResult::Closed;
    case SSL_ERROR_SYSCALL:
      if (errno == EINTR) return IoResult::Done;
      [[fallthrough]];
    default:
      broken_ = true;
      ERR_clear_error();
      return IoResult::Failed;
  }
  if (w == Wait::Timeout) return IoResult::Timeout;
  if (w == Wait::Stopped) return IoResult::Stopped;
  return IoResult::Done;
}

TlsChannel::Handshake TlsChannel::accept(int stop_fd, Clock::time_point until) {
  for (;;) {
    ERR_clear_error();
    errno = 0;  // SSL_ERROR_SYSCALL reads it
    const int ret = SSL_accept(ssl_);
    if (ret == 1) return Handshake::Done;
    switch (retry_after(ret, stop_fd, until)) {
      case IoResult::Done:
        continue;
      case IoResult::Closed:
        return Handshake::Closed;
      case IoResult::Timeout:
        return Handshake::Timeout;
      case IoResult::Stopped:
        return Handshake::Stopped;
      case IoResult::Failed:
        return Handshake::Failed;
    }
  }
}

IoResult TlsChannel::read(char* ptr, std::size_t size, int stop_fd, Clock::time_point until) {
  if (broken_) return {IoResult::Failed};
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_read(ssl_, ptr, clamp_int(size));
    if (n > 0) return {IoResult::Done, static_cast<std::size_t>(n)};
    const IoResult::Status s = retry_after(n, stop_fd, until);
    if (s != IoResult::Done) return {s};
  }
}

IoResult TlsChannel::write(const char* ptr, std::size_t size, Clock::time_point until) {
  if (broken_ || shut_) return {IoResult::Failed};
  for (;;) {
    ERR_clear_error();
    errno = 0;
    // Retried with the same buffer and size after a WANT_*, as OpenSSL requires.
    const int n = SSL_write(ssl_, ptr, clamp_int(size));
    if (n > 0) return {IoResult::Done, static_cast<std::size_t>(n)};
    const IoResult::Status s = retry_after(n, -1, until);
    if (s == IoResult::Closed) return {IoResult::Failed};  // no writing after the peer's close
    if (s != IoResult::Done) return {s};
  }
}

bool TlsChannel::has_buffered() const noexcept { return SSL_pending(ssl_) > 0; }

void TlsChannel::shutdown_write() noexcept {
  if (!shut_ && !broken_ && SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);  // close_notify
  shut_ = true;
  ERR_clear_error();
  ::shutdown(sock_, SHUT_WR);
}

}  // namespace hangar::remote
