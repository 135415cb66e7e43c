// Failpoints (hangar/base/failpoint.h).
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace hangar {

namespace {
const char*& armed_name() noexcept {
  static const char* armed = std::getenv("HANGAR_FAILPOINT");
  return armed;
}

constexpr const char* kStopSuffix = ":stop";

// HANGAR_FAILPOINT is `name:stop`.
bool armed_to_stop(const char* name) noexcept {
  const char* armed = armed_name();
  if (armed == nullptr) return false;
  const std::size_t n = std::strlen(name);
  return std::strncmp(armed, name, n) == 0 && std::strcmp(armed + n, kStopSuffix) == 0;
}

}  // namespace

bool failpoint_armed(const char* name) noexcept {
  const char* armed = armed_name();
  return armed != nullptr && (std::strcmp(armed, name) == 0 || armed_to_stop(name));
}

void arm_failpoint_for_testing(const char* name) noexcept { armed_name() = name; }

void failpoint(const char* name) noexcept {
  if (armed_to_stop(name)) {
    ::raise(SIGSTOP);
    // Resumed by SIGCONT. A test that stops a process here usually sends SIGTERM or SIGINT
    // before the SIGCONT; the interrupt thread records it concurrently with this one going on,
    // so give it the moment it needs: the command then stops at its next interruption check
    // whatever the scheduler does (a race seen under load, where the work finished first).
    constexpr auto kPoll = std::chrono::milliseconds(5);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (!interrupted() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(kPoll);
    return;
  }
  if (failpoint_armed(name)) ::_exit(86);
}

void failpoint_wait_for_interrupt(const char* name) noexcept {
  if (!failpoint_armed(name)) return;
  constexpr auto kPoll = std::chrono::milliseconds(10);
  constexpr auto kMaxWait = std::chrono::minutes(1);
  const auto until = std::chrono::steady_clock::now() + kMaxWait;
  while (!interrupted() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(kPoll);
}

}  // namespace hangar
