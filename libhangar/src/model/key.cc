// Key validation and sort encoding (docs/format/objects.md#keys).
#include <hangar/error.h>
#include <hangar/key.h>

#include <algorithm>
#include <charconv>

namespace hangar {

void validate_string_key(std::string_view s) {
  auto bad = [&](std::string_view why) {
    std::string shown;
    for (char c : s) shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    fail(ErrorCode::InvalidArgument, "invalid key '" + shown + "': " + std::string(why));
  };
  if (s.empty()) bad("keys must not be empty");
  if (s.size() > Key::kMaxStringBytes) bad("keys are at most 255 bytes");
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) bad("control characters are not allowed");
    if (c == '\\') bad("'\\' is not allowed; use '/' to separate segments");
  }
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find('/', start);
    std::string_view seg = s.substr(start, end == std::string_view::npos ? s.npos : end - start);
    if (seg.empty()) bad("empty path segment");
    if (seg == "." || seg == "..") bad("'.' and '..' segments are not allowed");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

Key::Key(std::string s) : v_(std::move(s)) { validate_string_key(std::get<1>(v_)); }

Key Key::parse(std::string_view text) {
  // Every to_string() of an integer key parses back to it, up to 2^64-1 (20 digits); larger
  // decimals cannot be integer keys and stay strings.
  constexpr std::string_view kMax = "18446744073709551615";
  bool digits = !text.empty() && text.size() <= kMax.size();
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits && text.size() == kMax.size() && text > kMax) digits = false;
  if (digits && (text.size() == 1 || text[0] != '0')) return Key(std::stoull(std::string(text)));
  return Key(std::string(text));
}

std::string Key::to_string() const { return is_int() ? std::to_string(as_int()) : as_string(); }

std::string keys_text(const std::vector<Key>& keys, std::size_t cap) {
  std::string s = keys.size() == 1 ? "key " : "keys ";
  const std::size_t shown = std::min(keys.size(), std::max<std::size_t>(cap, 1));
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) s += (i + 1 == shown && shown == keys.size()) ? " and " : ", ";
    s += '\'' + keys[i].to_string() + '\'';
  }
  if (shown < keys.size()) s += " and " + std::to_string(keys.size() - shown) + " more";
  return s;
}

void fail_unmatched_keys(const std::vector<Key>& keys, const std::string& where) {
  fail(ErrorCode::NotFound, "--keys: no sample has " + keys_text(keys) + " in " + where +
                                " (a key written 0007 is a string key, 7 an integer one)");
}

void Key::append_encoded(Bytes& out) const {
  if (is_int()) {
    out.push_back(std::byte{0});
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<std::byte>((as_int() >> (8 * i)) & 0xFF));
  } else {
    out.push_back(std::byte{1});
    ByteView b = as_bytes(as_string());
    out.insert(out.end(), b.begin(), b.end());
    out.push_back(std::byte{0});
  }
}

Bytes Key::encoded() const {
  Bytes out;
  append_encoded(out);
  return out;
}

Key Key::decode_front(ByteView& in) {
  if (in.empty()) fail(ErrorCode::Corrupt, "corrupt key: empty encoding");
  if (in[0] == std::byte{0}) {
    if (in.size() < 9) fail(ErrorCode::Corrupt, "corrupt key: truncated integer");
    std::uint64_t v = 0;
    for (int i = 1; i <= 8; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(in[i]);
    in = in.subspan(9);
    return Key(v);
  }
  if (in[0] != std::byte{1}) fail(ErrorCode::Corrupt, "corrupt key: unknown tag");
  std::size_t end = 1;
  while (end < in.size() && in[end] != std::byte{0}) ++end;
  if (end == in.size()) fail(ErrorCode::Corrupt, "corrupt key: unterminated string");
  std::string s(as_string_view(in.subspan(1, end - 1)));
  in = in.subspan(end + 1);
  try {
    return Key(std::move(s));
  } catch (const Error& e) {
    fail(ErrorCode::Corrupt, std::string("corrupt key: ") + e.what());
  }
}

}  // namespace hangar
