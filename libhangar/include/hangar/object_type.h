// The kind of a history object: the byte that starts every canonical object encoding
// (docs/format/objects.md), so that one kind's bytes never decode as another's, and the record
// type of a pack (docs/format/pack.md). Permanent values; this is their one definition.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hangar {

enum class ObjectType : std::uint8_t {
  Commit = 0x01,
  Schema = 0x02,
  Descriptor = 0x03,
  LeafPage = 0x04,
  InternalPage = 0x05,
};

// "commit", "schema", "sample descriptor", "leaf page", "internal page": for messages.
constexpr std::string_view object_type_name(ObjectType type) noexcept {
  switch (type) {
    case ObjectType::Commit:
      return "commit";
    case ObjectType::Schema:
      return "schema";
    case ObjectType::Descriptor:
      return "sample descriptor";
    case ObjectType::LeafPage:
      return "leaf page";
    case ObjectType::InternalPage:
      return "internal page";
  }
  return "object";
}

// The object type a kind byte names; nullopt for a byte that is not one.
constexpr std::optional<ObjectType> object_type_from_byte(std::uint8_t value) noexcept {
  if (value >= 0x01 && value <= 0x05) return static_cast<ObjectType>(value);
  return std::nullopt;
}

}  // namespace hangar
