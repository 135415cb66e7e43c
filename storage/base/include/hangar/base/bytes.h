// Byte buffers and views shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

using ByteView = std::span<const std::byte>;
using MutableByteView = std::span<std::byte>;
using Bytes = std::vector<std::byte>;

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteView b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(ByteView b) { return Bytes(b.begin(), b.end()); }
inline Bytes to_bytes(std::string_view s) { return to_bytes(as_bytes(s)); }

}  // namespace hangar
