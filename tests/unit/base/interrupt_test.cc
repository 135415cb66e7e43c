// The interrupt flag (hangar/base/interrupt.h): requests, the Interrupted error and its
// rewording, InterruptWatch, and a real signal through a handler.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/test_util.h"

namespace hangar {
namespace {

using namespace std::chrono_literals;

TEST_CASE("interrupt: check_interrupt throws once requested, and the first signal is kept",
          "[base][interrupt]") {
  InterruptScope scope;
  CHECK_FALSE(interrupted());
  CHECK(interrupt_signal() == 0);
  CHECK_NOTHROW(check_interrupt());
  request_interrupt(SIGTERM);
  request_interrupt(SIGINT);
  CHECK(interrupted());
  CHECK(interrupt_signal() == SIGTERM);
  const Error e = error_of([] { check_interrupt(); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) == "interrupted");
  CHECK(error_code_name(ErrorCode::Interrupted) == "interrupted");
}

TEST_CASE("interrupt: rethrow_interrupted says what was undone, other errors pass unchanged",
          "[base][interrupt]") {
  auto reworded = [](const Error& thrown) {
    return error_of([&] {
      try {
        throw thrown;
      } catch (...) {
        rethrow_interrupted("nothing was fetched");
      }
    });
  };
  const Error stopped = reworded(Error(ErrorCode::Interrupted, "interrupted"));
  CHECK(stopped.code() == ErrorCode::Interrupted);
  CHECK(std::string(stopped.what()) == "interrupted; nothing was fetched");
  const Error other = reworded(Error(ErrorCode::NotFound, "no remote 'x'"));
  CHECK(other.code() == ErrorCode::NotFound);
  CHECK(std::string(other.what()) == "no remote 'x'");
}

TEST_CASE("interrupt: a signal handler that requests an interrupt sets the flag",
          "[base][interrupt]") {
  InterruptScope scope;
  struct sigaction action {};
  struct sigaction old {};
  action.sa_handler = [](int signal) { request_interrupt(signal); };
  sigemptyset(&action.sa_mask);
  REQUIRE(sigaction(SIGUSR1, &action, &old) == 0);
  REQUIRE(raise(SIGUSR1) == 0);  // the handler has run when raise returns
  sigaction(SIGUSR1, &old, nullptr);
  CHECK(interrupted());
  CHECK(interrupt_signal() == SIGUSR1);
}

TEST_CASE("InterruptWatch: calls back only once interrupted, and not after it is gone",
          "[base][interrupt]") {
  InterruptScope scope;
  std::atomic<int> calls{0};
  {
    InterruptWatch watch([&] { ++calls; });
    std::this_thread::sleep_for(60ms);  // a few watch periods without a request
    CHECK(calls == 0);
    request_interrupt(SIGINT);
    for (int i = 0; i < 500 && calls == 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(calls > 0);
  }
  const int after = calls;
  std::this_thread::sleep_for(60ms);
  CHECK(calls == after);
}

}  // namespace
}  // namespace hangar
