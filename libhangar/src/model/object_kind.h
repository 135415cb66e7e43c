// The object format version byte that follows the kind byte (ObjectType, object_type.h) in
// every canonical object encoding. Permanent value (docs/format/objects.md).
#pragma once

#include <hangar/object_type.h>

#include <cstdint>

namespace hangar {

constexpr std::uint8_t kObjectFormatVersion = 1;

}  // namespace hangar
