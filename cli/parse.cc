// Command-line value parsing; every failure names the value and says what is accepted.
#include "parse.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace hangar::cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Multiplier for a size unit ("", "b", "k", "kb", "kib", ...); 0 when unknown.
long double unit_multiplier(std::string_view unit_text) {
  std::string unit = lower(unit_text);
  if (unit.empty() || unit == "b") return 1.0L;
  static constexpr std::string_view kPrefixes = "kmgtp";
  auto pos = kPrefixes.find(unit[0]);
  if (pos == std::string_view::npos) return 0.0L;
  std::string_view rest = std::string_view(unit).substr(1);
  if (!rest.empty() && rest != "b" && rest != "ib") return 0.0L;
  return std::ldexp(1.0L, static_cast<int>(10 * (pos + 1)));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  const std::string_view s = trim(text);
  auto bad = [&](std::string_view why) {
    return UsageError("invalid size '" + std::string(text) + "': " + std::string(why) +
                      "; use a byte count like 1024, 200M or 1.5G");
  };
  std::size_t i = 0;
  long double mantissa = 0.0L;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    mantissa = mantissa * 10.0L + static_cast<long double>(s[i] - '0');
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      mantissa += scale * static_cast<long double>(s[i] - '0');
      scale /= 10.0L;
      ++i;
      ++digits;
    }
  }
  if (digits == 0) throw bad("expected a number");
  const long double mult = unit_multiplier(trim(s.substr(i)));
  if (mult == 0.0L) throw bad("unknown unit '" + std::string(s.substr(i)) + "'");
  const long double value = std::floor(mantissa * mult);
  if (value >= std::ldexp(1.0L, 64)) throw bad("too large");
  return static_cast<std::uint64_t>(value);
}

std::optional<double> parse_percent(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty() || s.back() != '%') return std::nullopt;
  s = trim(s.substr(0, s.size() - 1));
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !(value > 0.0) ||
      value > 100.0)
    throw UsageError("invalid percentage '" + std::string(text) +
                     "': use a number greater than 0 and at most 100 followed by %, like 10%");
  return value;
}

Shape parse_shape(std::string_view text) {
  std::string_view s = trim(text);
  auto bad = [&](std::string_view why) {
    return UsageError("invalid shape '" + std::string(text) + "': " + std::string(why) +
                      "; use comma-separated sizes like 64,64,3 (or 'scalar')");
  };
  if (s.size() >= 2 &&
      ((s.front() == '[' && s.back() == ']') || (s.front() == '(' && s.back() == ')'))) {
    s = trim(s.substr(1, s.size() - 2));
  }
  Shape shape;
  if (s.empty() || lower(s) == "scalar") return shape;
  while (true) {
    const auto comma = s.find(',');
    const std::string_view item = trim(s.substr(0, comma));
    if (item.empty()) throw bad("empty dimension");
    std::uint64_t dim = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), dim);
    if (ec == std::errc::result_out_of_range)
      throw bad("dimension '" + std::string(item) + "' is too large");
    if (ec != std::errc() || end != item.data() + item.size()) {
      throw bad("'" + std::string(item) + "' is not a non-negative integer");
    }
    shape.push_back(dim);
    if (comma == std::string_view::npos) break;
    s = trim(s.substr(comma + 1));
    if (s.empty()) break;  // "5," is numpy's one-dimensional tuple
  }
  if (shape.size() > kMaxDims) {
    throw bad(std::to_string(shape.size()) + " dimensions, at most " + std::to_string(kMaxDims));
  }
  return shape;
}

DType parse_dtype_arg(std::string_view text) {
  if (auto t = parse_dtype(trim(text))) return *t;
  throw UsageError("unknown dtype '" + std::string(text) +
                   "'; use one of bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
                   "float16, float32, float64");
}

BackendChoice parse_backend_arg(std::string_view text) {
  if (auto b = parse_backend(lower(trim(text)))) return *b;
  throw UsageError("unknown backend '" + std::string(text) + "'; use auto, lmdb or hdf5");
}

ExportFormat parse_format_arg(std::string_view text) {
  const std::string f = lower(trim(text));
  if (f == "png") return ExportFormat::Png;
  if (f == "npy") return ExportFormat::Npy;
  if (f == "auto") return ExportFormat::Auto;
  throw UsageError("unknown export format '" + std::string(text) + "'; use png or npy");
}

Key parse_key(std::string_view text) { return Key::parse(text); }

std::vector<std::string> split_key_list(const std::vector<std::string>& values) {
  std::vector<std::string> texts;
  for (const std::string& value : values) {
    std::string text;
    for (std::size_t i = 0; i <= value.size(); ++i) {
      if (i < value.size() && value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ',') {
        text += ',';
        ++i;
      } else if (i == value.size() || value[i] == ',') {
        if (text.empty())
          throw UsageError("--keys '" + value +
                           "' has an empty key; separate keys with single commas");
        texts.push_back(std::move(text));
        text.clear();
      } else {
        text += value[i];
      }
    }
  }
  return texts;
}

std::vector<Key> parse_keys(const std::vector<std::string>& texts, std::string_view what) {
  if (texts.empty()) throw UsageError("no keys given for " + std::string(what));
  std::vector<Key> keys;
  keys.reserve(texts.size());
  for (const auto& t : texts) keys.push_back(parse_key(t));
  return keys;
}

std::optional<Key> parse_subkey(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return parse_key(*text);
}

}  // namespace hangar::cli
