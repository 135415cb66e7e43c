// OpenSSL's per-thread error queue as message text, and SIGPIPE kept away from TLS writes.
// Private to the remote module.
#pragma once

#include <signal.h>

#include <string>

namespace hangar::remote {

// The first reason OpenSSL queued on this thread ("unexpected eof while reading"): the cause,
// where later ones are its consequences; "" when none. Empties the queue.
std::string take_openssl_errors();

// OpenSSL writes to its socket with write(2), which raises SIGPIPE when the peer has closed the
// connection, and SIGPIPE ends the process. While a SigpipeGuard lives, SIGPIPE is blocked on
// its thread (the write fails with EPIPE instead); a SIGPIPE raised meanwhile is taken off
// the thread before the old mask comes back. Scoped to one thread; not copyable.
class SigpipeGuard {
 public:
  SigpipeGuard() noexcept;
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;  // a SIGPIPE pending before: not ours to take
};

}  // namespace hangar::remote
