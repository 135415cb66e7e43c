// Canonical binary encoding: little-endian fixed ints, LEB128 varints, length-prefixed bytes.
// Decoder reads are bounded: every length is checked against the remaining input and a
// per-field cap before anything is allocated, and a failure names the object and field.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hangar {

// Appends to an owned buffer. Not thread-safe.
class Encoder {
 public:
  void u8(std::uint8_t v) { buf_.push_back(static_cast<std::byte>(v)); }
  void u16(std::uint16_t v) { fixed(v, 2); }
  void u32(std::uint32_t v) { fixed(v, 4); }
  void u64(std::uint64_t v) { fixed(v, 8); }
  void i64(std::int64_t v) { fixed(static_cast<std::uint64_t>(v), 8); }
  void varint(std::uint64_t v);
  void raw(ByteView b) {
    // resize + memcpy rather than insert(): GCC 12 reports a false -Warray-bounds on insert.
    const std::size_t at = buf_.size();
    buf_.resize(at + b.size());
    if (!b.empty()) std::memcpy(buf_.data() + at, b.data(), b.size());
  }
  void digest(const Digest& d) { raw(d.view()); }
  // varint length + bytes
  void bytes(ByteView b) {
    varint(b.size());
    raw(b);
  }
  void str(std::string_view s) { bytes(as_bytes(s)); }

  const Bytes& buffer() const noexcept { return buf_; }
  Bytes take() noexcept { return std::move(buf_); }
  std::size_t size() const noexcept { return buf_.size(); }

 private:
  void fixed(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) buf_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
  }
  Bytes buf_;
};

// Reads from a view it does not own; the view must outlive the Decoder.
// Every read throws Corrupt "corrupt <what>: field '<field>': <problem>" on bad input.
class Decoder {
 public:
  // `what` names the object in messages, e.g. "commit 3fa2c1d0".
  Decoder(ByteView data, std::string what) : data_(data), what_(std::move(what)) {}

  std::uint8_t u8(std::string_view field);
  std::uint16_t u16(std::string_view field) { return static_cast<std::uint16_t>(fixed(field, 2)); }
  std::uint32_t u32(std::string_view field) { return static_cast<std::uint32_t>(fixed(field, 4)); }
  std::uint64_t u64(std::string_view field) { return fixed(field, 8); }
  std::int64_t i64(std::string_view field) { return static_cast<std::int64_t>(fixed(field, 8)); }
  std::uint64_t varint(std::string_view field);
  // A varint that must be <= max (a count or a length cap).
  std::uint64_t varint_max(std::string_view field, std::uint64_t max);
  ByteView raw(std::string_view field, std::size_t n);
  Digest digest(std::string_view field);
  // varint length (<= max_len) + bytes; the view points into the input.
  ByteView bytes(std::string_view field, std::size_t max_len);
  std::string str(std::string_view field, std::size_t max_len);

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == data_.size(); }
  // Throws Corrupt unless all input was consumed.
  void expect_end();
  [[noreturn]] void corrupt(std::string_view field, std::string_view problem) const;

 private:
  std::uint64_t fixed(std::string_view field, int n);
  ByteView data_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace hangar
