// JSON and human-readable formatting shared by every command.
#include "output.h"

#include <hangar/dtype.h>
#include <hangar/tensor.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace hangar::cli {

Json key_json(const Key& key) {
  if (key.is_int()) return Json(key.as_int());
  return Json(key.as_string());
}

Json digest_json(const std::optional<Digest>& digest) {
  if (!digest) return Json(nullptr);
  return Json(digest->hex());
}

void print_json(std::ostream& out, const Json& doc) { out << doc.dump(2) << '\n'; }

std::string iso8601_utc(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

std::string human_bytes(std::uint64_t n) {
  static constexpr std::array<const char*, 6> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n) / 1024.0;
  std::size_t unit = 0;
  while (v >= 1024.0 && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << v << ' ' << kUnits[unit];
  return s.str();
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string sample_name(std::string_view column, const Key& key, const std::optional<Key>& subkey) {
  std::string s(column);
  s += '/';
  s += key.to_string();
  if (subkey) s += '/' + subkey->to_string();
  return s;
}

std::string shape_text(const ColumnSchema& schema) {
  return (schema.variable_shape ? "<=" : "") + shape_to_string(schema.shape);
}

Json schema_json(const ColumnSchema& schema) {
  Json attributes = Json::object();
  for (const auto& [k, v] : schema.attributes) attributes[k] = v;
  return Json{{"name", schema.name},
              {"dtype", std::string(dtype_name(schema.dtype))},
              {"shape", schema.shape},
              {"variable_shape", schema.variable_shape},
              {"layout", std::string(layout_name(schema.layout))},
              {"backend", std::string(backend_name(schema.backend))},
              {"compression_level", schema.compression_level},
              {"attributes", attributes}};
}

Json column_summary_json(const ColumnSchema& schema, const ColumnStats& stats) {
  return Json{{"name", schema.name},
              {"dtype", std::string(dtype_name(schema.dtype))},
              {"shape", schema.shape},
              {"variable_shape", schema.variable_shape},
              {"layout", std::string(layout_name(schema.layout))},
              {"count", stats.count},
              {"nbytes", stats.nbytes},
              {"local_count", stats.local_count},
              {"local_nbytes", stats.local_nbytes}};
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  emit(header_);
  for (const auto& row : rows_) emit(row);
}

}  // namespace hangar::cli
