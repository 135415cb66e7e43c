// Shared by the fuzz targets (fuzz/*_fuzz.cc): what counts as a finding besides a crash, a
// sanitizer report, a leak, a timeout or running out of memory, all of which libFuzzer catches.
//
// A decoder given bad bytes must refuse them with hangar::Error. Any other exception
// (std::out_of_range from .at(), a JSON library's own exception, std::bad_alloc from a size taken
// on trust) escapes the target, and libFuzzer reports it as a crash. ErrorCode::Internal means a
// broken invariant, and a decoder of outside bytes must never reach one: it aborts too. So does a
// target's own oracle (e.g. "a decoded object re-encodes to the same bytes") through finding().
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/error.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hangar::fuzz {

inline ByteView bytes_of(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// Reports a broken oracle and aborts, which libFuzzer records as a crash with its input.
[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// Runs `decode` (the decoder under test and any oracle after it). A hangar::Error is the refusal
// of bad bytes and ends the run quietly, unless its code is Internal.
template <typename F>
void refuse_or_accept(F&& decode) {
  try {
    decode();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Internal) finding(e.what());
  }
}

}  // namespace hangar::fuzz
