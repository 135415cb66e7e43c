// The kind of a history object: the byte that starts every canonical object encoding
// (docs/format/objects.md), so that one kind's bytes never decode as another's, and the record
// type of a pack (docs/format/pack.md). Permanent values; this is their one definition.
#pragma once

#include <cstdint>

namespace hangar {

enum class ObjectType : std::uint8_t {
  Commit = 0x01,
  Schema = 0x02,
  Descriptor = 0x03,
  LeafPage = 0x04,
  InternalPage = 0x05,
};

}  // namespace hangar
