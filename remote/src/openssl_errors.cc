// OpenSSL error text and the SIGPIPE guard (openssl_errors.h).
#include "openssl_errors.h"

#include <openssl/err.h>
#include <pthread.h>

#include <ctime>

namespace hangar::remote {

std::string take_openssl_errors() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "";
  const char* reason = ERR_reason_error_string(first);
  return reason ? reason : "OpenSSL error " + std::to_string(first);
}

namespace {
sigset_t sigpipe_only() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  return s;
}

bool sigpipe_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}
}  // namespace

SigpipeGuard::SigpipeGuard() noexcept {
  const sigset_t pipe = sigpipe_only();
  was_pending_ = sigpipe_pending();
  pthread_sigmask(SIG_BLOCK, &pipe, &old_mask_);
}

SigpipeGuard::~SigpipeGuard() {
  if (!was_pending_ && sigpipe_pending()) {
    const sigset_t pipe = sigpipe_only();
    const timespec now{};
    sigtimedwait(&pipe, nullptr, &now);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace hangar::remote
