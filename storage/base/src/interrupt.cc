// The interrupt flag (hangar/base/interrupt.h): a lock-free atomic, the only state a signal
// handler may touch.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>

#include <atomic>
#include <chrono>
#include <string>

namespace hangar {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

constexpr std::chrono::milliseconds kWatchPeriod{20};

}  // namespace

void request_interrupt(int signal) noexcept {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
}

bool interrupted() noexcept { return g_signal.load(std::memory_order_relaxed) != 0; }

int interrupt_signal() noexcept { return g_signal.load(); }

void check_interrupt() {
  if (interrupted()) fail(ErrorCode::Interrupted, "interrupted");
}

void rethrow_interrupted(std::string_view undone) {
  try {
    throw;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Interrupted) throw;
    fail(ErrorCode::Interrupted, "interrupted; " + std::string(undone));
  }
}

void clear_interrupt_for_testing() noexcept { g_signal.store(0); }

InterruptWatch::InterruptWatch(std::function<void()> on_interrupt)
    : on_interrupt_(std::move(on_interrupt)), thread_([this] { watch(); }) {}

InterruptWatch::~InterruptWatch() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void InterruptWatch::watch() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, kWatchPeriod, [&] { return done_; })) {
    if (interrupted()) on_interrupt_();
  }
}

}  // namespace hangar
