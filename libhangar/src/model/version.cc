// Library version: project(hangar VERSION ...) in the top CMakeLists.txt, passed in by
// libhangar/CMakeLists.txt.
#include <hangar/hangar.h>

namespace hangar {
const char* version() noexcept { return HANGAR_VERSION; }
}  // namespace hangar
