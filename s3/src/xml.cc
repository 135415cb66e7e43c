// Minimal XML reading for S3 replies (xml.h).
#include "xml.h"

#include <charconv>

namespace hangar::s3::xml {

std::vector<std::string_view> elements(std::string_view doc, std::string_view tag) {
  std::vector<std::string_view> out;
  // Built with append: GCC 12 misreads "<" + std::string(tag) as an overlapping memcpy.
  std::string open(1, '<');
  open.append(tag);
  std::string close("</");
  close.append(tag);
  close.push_back('>');
  std::size_t at = 0;
  while ((at = doc.find(open, at)) != std::string_view::npos) {
    std::size_t after = at + open.size();
    if (after >= doc.size()) break;
    const char next = doc[after];
    if (next != '>' && next != ' ' && next != '/') {  // <TagSomethingElse>
      at = after;
      continue;
    }
    const std::size_t gt = doc.find('>', after);
    if (gt == std::string_view::npos) break;
    if (doc[gt - 1] == '/') {  // <tag/>
      out.emplace_back();
      at = gt + 1;
      continue;
    }
    const std::size_t end = doc.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(doc.substr(gt + 1, end - gt - 1));
    at = end + close.size();
  }
  return out;
}

std::optional<std::string> text(std::string_view doc, std::string_view tag) {
  const auto all = elements(doc, tag);
  if (all.empty()) return std::nullopt;
  return unescape(all.front());
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    const std::string_view name = s.substr(i + 1, semi - i - 1);
    char c = 0;
    if (name == "amp")
      c = '&';
    else if (name == "lt")
      c = '<';
    else if (name == "gt")
      c = '>';
    else if (name == "quot")
      c = '"';
    else if (name == "apos")
      c = '\'';
    else if (name.size() > 1 && name[0] == '#') {
      unsigned value = 0;
      const bool is_hex = name[1] == 'x' || name[1] == 'X';
      const auto digits = name.substr(is_hex ? 2 : 1);
      const auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), value, is_hex ? 16 : 10);
      if (ec == std::errc() && p == digits.data() + digits.size() && value > 0 && value < 128)
        c = static_cast<char>(value);
    }
    if (c == 0) {
      out += s[i];
      continue;
    }
    out += c;
    i = semi;
  }
  return out;
}

std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace hangar::s3::xml
