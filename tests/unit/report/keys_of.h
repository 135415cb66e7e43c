// The keys of a JSON object in document order, for checking a document's shape.
#pragma once

#include <hangar/report/json.h>

#include <string>
#include <vector>

namespace hangar::report::testing {

inline std::vector<std::string> keys_of(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  return keys;
}

using Keys = std::vector<std::string>;

}  // namespace hangar::report::testing
