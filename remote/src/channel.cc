// Waiting on a socket with a deadline, and the plain channel (channel.h).
#include "channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace hangar::remote {

using std::chrono::milliseconds;

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

IoResult PlainChannel::read(char* ptr, std::size_t size, int stop_fd, Clock::time_point until) {
  for (;;) {
    switch (wait_for(sock_, POLLIN, stop_fd, until)) {
      case Wait::Timeout:
        return {IoResult::Timeout};
      case Wait::Stopped:
        return {IoResult::Stopped};
      case Wait::Ready:
        break;
    }
    const ssize_t n = ::recv(sock_, ptr, size, 0);
    if (n > 0) return {IoResult::Done, static_cast<std::size_t>(n)};
    if (n == 0) return {IoResult::Closed};
    if (errno != EINTR && errno != EAGAIN) return {IoResult::Failed};
  }
}

IoResult PlainChannel::write(const char* ptr, std::size_t size, Clock::time_point until) {
  for (;;) {
    if (wait_for(sock_, POLLOUT, -1, until) != Wait::Ready) return {IoResult::Timeout};
    const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    if (n > 0) return {IoResult::Done, static_cast<std::size_t>(n)};
    if (n < 0 && errno != EINTR && errno != EAGAIN) return {IoResult::Failed};
  }
}

void PlainChannel::shutdown_write() noexcept { ::shutdown(sock_, SHUT_WR); }

}  // namespace hangar::remote
