// Small helpers shared by the unit tests.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace hangar {

// "01 02 ff" -> bytes (two hex digits per byte, one separator between bytes).
inline Bytes hex_bytes(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 3)
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// The hangar::Error that `f` throws; fails the test when it throws none.
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a hangar::Error");
  return Error(ErrorCode::Internal, "unreachable");
}

// The code of the hangar::Error that `f` throws (its message into *message when given); fails
// the test when it throws none.
template <typename F>
ErrorCode code_of(F&& f, std::string* message = nullptr) {
  const Error e = error_of(std::forward<F>(f));
  if (message != nullptr) *message = e.what();
  return e.code();
}

// Clears the process-wide interrupt flag (hangar/base/interrupt.h) for the scope of one test.
struct InterruptScope {
  InterruptScope() { clear_interrupt_for_testing(); }
  ~InterruptScope() { clear_interrupt_for_testing(); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

}  // namespace hangar
