// Keys, digests and times as JSON values.
#include <hangar/report/json.h>

#include <array>
#include <ctime>

namespace hangar::report {

Json key_json(const Key& key) {
  if (key.is_int()) return Json(key.as_int());
  return Json(key.as_string());
}

Json digest_json(const std::optional<Digest>& digest) {
  if (!digest) return Json(nullptr);
  return Json(digest->hex());
}

std::string iso8601_utc(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

}  // namespace hangar::report
