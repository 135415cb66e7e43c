// Human-readable formatting shared by every command, and print_json.
#include "output.h"

#include <hangar/dtype.h>
#include <hangar/tensor.h>

#include <algorithm>
#include <array>
#include <iomanip>
#include <sstream>

namespace hangar::cli {

void print_json(std::ostream& out, const Json& doc) { out << doc.dump(2) << '\n'; }

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

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  std::string s = std::to_string(n) + ' ';
  if (n == 1) return s.append(one);
  if (many.empty()) return s.append(one) + 's';
  return s.append(many);
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

void Table::print(std::ostream& out) const {
  std::size_t columns = header_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<std::size_t> width(columns, 0);
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
  if (!header_.empty()) emit(header_);
  for (const auto& row : rows_) emit(row);
}

}  // namespace hangar::cli
