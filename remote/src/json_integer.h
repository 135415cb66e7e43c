// Integers in JSON documents from a peer or a bucket (private to the remote module). nlohmann's
// get<T>() converts any JSON number to an integer type: a float outside T's range is undefined
// behaviour, one inside it is truncated, and an integer outside it wraps. json_integer takes
// only a JSON integer that fits T (fuzz/protocol_fuzz.cc found a protocol version of 6.7e121).
#pragma once

#include <hangar/error.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>

namespace hangar::remote {

// `j` as a T. Throws: Corrupt "<what>: field '<name>' is not an integer from MIN to MAX".
template <typename T>
T json_integer(const nlohmann::json& j, const std::string& name, const std::string& what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  }
  fail(ErrorCode::Corrupt, what + ": field '" + name + "' is not an integer from " +
                               std::to_string(std::numeric_limits<T>::min()) + " to " +
                               std::to_string(std::numeric_limits<T>::max()));
}

}  // namespace hangar::remote
