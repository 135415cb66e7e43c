// Cooperative interruption (Ctrl-C): one process-wide flag that a signal handler sets and the
// long loops of every module poll between units of work, so that an interrupted command stops
// by throwing ErrorCode::Interrupted and its ordinary error path (rollback, cleanup) runs.
// Beside error.h: the lowest layer, used by all modules. The CLI installs the signal handlers.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

namespace hangar {

// Asks the running command to stop; the first request's `signal` (e.g. SIGINT) is kept for the
// exit code. Async-signal-safe and thread-safe: what a signal handler calls.
// REQUIRES: signal > 0.
void request_interrupt(int signal) noexcept;

// True once an interrupt was requested. Async-signal-safe; one atomic load.
bool interrupted() noexcept;

// The signal of the first request; 0 when none.
int interrupt_signal() noexcept;

// Call between units of work that leave nothing half-done. Throws: Interrupted ("interrupted")
// once an interrupt was requested.
void check_interrupt();

// For an operation's error path, in a catch block after it undid its work: rethrows the
// exception in flight, an Interrupted one as "interrupted; <undone>" so that the one error line
// says what state the command left. REQUIRES: an exception is being handled.
[[noreturn]] void rethrow_interrupted(std::string_view undone);

// Tests only: forgets a request.
void clear_interrupt_for_testing() noexcept;

// For waits that no poll reaches (a blocking socket read): while alive, calls `on_interrupt`
// on a helper thread every ~20 ms once an interrupt was requested, so it must be thread-safe
// and idempotent (e.g. shutting a socket down). Neither copyable nor movable.
class InterruptWatch {
 public:
  explicit InterruptWatch(std::function<void()> on_interrupt);
  ~InterruptWatch();  // stops and joins the helper thread
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  void watch();

  std::function<void()> on_interrupt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace hangar
