// DataSelection <-> one line of text (selection_text.h).
#include "selection_text.h"

#include <hangar/error.h>
#include <hangar/schema.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace hangar::remote {
namespace {

std::string hex_of(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::byte x : b) {
    out += kDigits[std::to_integer<unsigned>(x) >> 4];
    out += kDigits[std::to_integer<unsigned>(x) & 15];
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == s.npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

}  // namespace

std::string encode_selection(const DataSelection& s) {
  std::vector<std::string> fields;
  if (s.none) fields.emplace_back("none");
  if (!s.columns.empty()) {
    std::string f = "columns=";
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i > 0) f += ',';
      f += s.columns[i];
    }
    fields.push_back(f);
  }
  if (!s.keys.empty()) {
    std::string f = "keys=";
    for (std::size_t i = 0; i < s.keys.size(); ++i) {
      if (i > 0) f += ',';
      f += hex_of(s.keys[i].encoded());
    }
    fields.push_back(f);
  }
  if (s.fraction) fields.push_back("fraction=" + number(*s.fraction));
  if (s.seed != 0) fields.push_back("seed=" + std::to_string(s.seed));
  if (s.max_bytes) fields.push_back("max_bytes=" + std::to_string(*s.max_bytes));
  if (s.max_percent) fields.push_back("max_percent=" + number(*s.max_percent));
  if (s.stratify) fields.push_back("stratify=" + *s.stratify);
  if (s.all_history) fields.emplace_back("all_history");
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ';';
    out += fields[i];
  }
  return out;
}

DataSelection decode_selection(std::string_view text, const std::string& where) {
  auto bad = [&](std::string_view field) -> void {
    fail(ErrorCode::Corrupt, "corrupt clone.selection in '" + where + "': field '" +
                                 std::string(field) + "'; remove the folder and clone again");
  };
  auto u64 = [&](std::string_view v, std::string_view field) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || end != v.data() + v.size()) bad(field);
    return n;
  };
  auto real = [&](std::string_view v, std::string_view field) {
    const std::string copy(v);
    char* end = nullptr;
    const double d = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size()) bad(field);
    return d;
  };
  // Column names as a schema allows them (none is empty, none holds ',' or ';').
  auto column = [&](std::string_view name, std::string_view field) {
    try {
      validate_column_name(name);
    } catch (const Error&) {
      bad(field);
    }
    return std::string(name);
  };
  DataSelection s;
  for (std::string_view field : split(text, ';')) {
    const auto eq = field.find('=');
    const std::string_view name = field.substr(0, eq);
    const std::string_view value = eq == field.npos ? std::string_view{} : field.substr(eq + 1);
    if (name == "none" && eq == field.npos) {
      s.none = true;
    } else if (name == "all_history" && eq == field.npos) {
      s.all_history = true;
    } else if (name == "columns" && !value.empty()) {
      for (auto c : split(value, ',')) s.columns.push_back(column(c, field));
    } else if (name == "keys" && !value.empty()) {
      for (auto h : split(value, ',')) {
        if (h.empty() || h.size() % 2 != 0) bad(field);
        Bytes raw;
        for (std::size_t i = 0; i < h.size(); i += 2) {
          unsigned byte = 0;
          const auto [end, ec] = std::from_chars(h.data() + i, h.data() + i + 2, byte, 16);
          if (ec != std::errc{} || end != h.data() + i + 2) bad(field);
          raw.push_back(static_cast<std::byte>(byte));
        }
        ByteView rest(raw);
        try {
          s.keys.push_back(Key::decode_front(rest));
        } catch (const Error&) {
          bad(field);
        }
        if (!rest.empty()) bad(field);
      }
    } else if (name == "fraction") {
      s.fraction = real(value, field);
    } else if (name == "seed") {
      s.seed = u64(value, field);
    } else if (name == "max_bytes") {
      s.max_bytes = u64(value, field);
    } else if (name == "max_percent") {
      s.max_percent = real(value, field);
    } else if (name == "stratify" && !value.empty()) {
      s.stratify = column(value, field);
    } else {
      bad(field);
    }
  }
  try {
    validate(s);
  } catch (const Error&) {
    bad(text);
  }
  return s;
}

bool is_default(const DataSelection& s) {
  return !s.none && s.columns.empty() && s.keys.empty() && !s.fraction && s.seed == 0 &&
         !s.max_bytes && !s.max_percent && !s.stratify && !s.all_history;
}

}  // namespace hangar::remote
