// Kind bytes that start every canonical object encoding, so that one kind's bytes can never
// decode as another's. Permanent values (docs/format/objects.md).
#pragma once

#include <cstdint>

namespace hangar {

enum class ObjectKind : std::uint8_t {
  Commit = 0x01,
  Schema = 0x02,
  Descriptor = 0x03,
  LeafPage = 0x04,
  InternalPage = 0x05,
};

constexpr std::uint8_t kObjectFormatVersion = 1;

}  // namespace hangar
