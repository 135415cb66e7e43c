// Signal handlers that only set the interrupt flag (async-signal-safe).
#include "signals.h"

#include <hangar/base/interrupt.h>
#include <signal.h>

namespace hangar::cli {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

void on_stop_signal(int signal) { request_interrupt(signal); }

}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the next one is fatal. SA_RESTART: system calls resume; the loops poll.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  for (const int s : kStopSignals) {
    struct sigaction old {};
    sigaction(s, nullptr, &old);
    if (old.sa_handler != SIG_IGN) sigaction(s, &action, nullptr);
  }
}

int interrupted_exit_code() noexcept {
  const int signal = interrupt_signal();
  return 128 + (signal != 0 ? signal : SIGINT);
}

}  // namespace hangar::cli
