// Test hook (STYLE 8.10): HANGAR_FAILPOINT=<name> makes the process _exit(86) when it reaches
// the failpoint of that name, so end-to-end tests can kill a server mid-stream or a client
// mid-push at a deterministic moment. Costs one getenv per process.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace hangar::remote {

inline bool failpoint_armed(const char* name) noexcept {
  static const char* const armed = std::getenv("HANGAR_FAILPOINT");
  return armed != nullptr && std::strcmp(armed, name) == 0;
}

inline void failpoint(const char* name) noexcept {
  if (failpoint_armed(name)) ::_exit(86);
}

}  // namespace hangar::remote
