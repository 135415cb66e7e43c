// Sample keys: non-negative integers or UTF-8 strings of 1-255 bytes.
// Strings may use '/' between path-like segments, but no segment may be empty, "." or "..",
// and no control characters or '\' are allowed, so export can never write outside its folder.
#pragma once

#include <hangar/base/bytes.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hangar {

class Key {
 public:
  static constexpr std::size_t kMaxStringBytes = 255;

  explicit Key(std::uint64_t v) : v_(v) {}
  // Throws: InvalidArgument when `s` is not a valid string key (see file comment).
  explicit Key(std::string s);

  // Command-line form: a canonical decimal ("0", "17", not "017") is an integer key,
  // anything else a string key. Throws: InvalidArgument.
  static Key parse(std::string_view text);

  bool is_int() const noexcept { return v_.index() == 0; }
  std::uint64_t as_int() const { return std::get<0>(v_); }
  const std::string& as_string() const { return std::get<1>(v_); }
  // Decimal for integers, the string itself otherwise.
  std::string to_string() const;

  // Sort encoding: 0x00 + 8-byte big-endian for integers (they sort first, in numeric order),
  // 0x01 + bytes + 0x00 for strings. Self-delimiting, so nested (key, subkey) pairs concatenate.
  void append_encoded(Bytes& out) const;
  Bytes encoded() const;
  // Decodes one key from the front of `in` and advances it. Throws: Corrupt.
  static Key decode_front(ByteView& in);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Key&) const = default;

 private:
  std::variant<std::uint64_t, std::string> v_;
};

// "key '7'", "keys '7', 'a' and '9'", "keys '1', '2', ..., '10' and 5 more": the first
// `cap` keys of `keys` for a message (keys that match nothing).
std::string keys_text(const std::vector<Key>& keys, std::size_t cap = 10);

// Throws NotFound: "--keys: no sample has keys 'x' and 'y' in `where`" with how keys are
// spelt (0007 is a string key, 7 an integer one). REQUIRES: `keys` is not empty.
[[noreturn]] void fail_unmatched_keys(const std::vector<Key>& keys, const std::string& where);

// Throws InvalidArgument naming the rule broken, e.g. "key 'a/../b' has a '..' segment".
void validate_string_key(std::string_view s);

}  // namespace hangar
