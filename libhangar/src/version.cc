// Library version.
#include <hangar/hangar.h>

namespace hangar {
const char* version() noexcept { return "0.1.0"; }
}  // namespace hangar
