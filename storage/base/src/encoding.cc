// Encoder / Decoder (see docs/format/objects.md for the primitive encodings).
#include <hangar/base/encoding.h>
#include <hangar/error.h>

namespace hangar {

void Encoder::varint(std::uint64_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<std::byte>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<std::byte>(v));
}

void Decoder::corrupt(std::string_view field, std::string_view problem) const {
  std::string m = "corrupt ";
  m += what_;
  m += ": field '";
  m += field;
  m += "': ";
  m += problem;
  fail(ErrorCode::Corrupt, m);
}

std::uint8_t Decoder::u8(std::string_view field) {
  if (remaining() < 1) corrupt(field, "truncated");
  return std::to_integer<std::uint8_t>(data_[pos_++]);
}

std::uint64_t Decoder::fixed(std::string_view field, int n) {
  if (remaining() < static_cast<std::size_t>(n)) corrupt(field, "truncated");
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::to_integer<std::uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += n;
  return v;
}

std::uint64_t Decoder::varint(std::string_view field) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (remaining() < 1) corrupt(field, "truncated");
    auto b = std::to_integer<std::uint64_t>(data_[pos_++]);
    if (shift == 63 && b > 1) corrupt(field, "varint overflows 64 bits");
    v |= (b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      // Canonical (minimal) LEB128 only: one value, one encoding, one digest.
      if (b == 0 && shift > 0) corrupt(field, "varint is not minimally encoded");
      return v;
    }
  }
  corrupt(field, "varint longer than 10 bytes");
}

std::uint64_t Decoder::varint_max(std::string_view field, std::uint64_t max) {
  std::uint64_t v = varint(field);
  if (v > max) corrupt(field, std::to_string(v) + " > " + std::to_string(max));
  return v;
}

ByteView Decoder::raw(std::string_view field, std::size_t n) {
  if (remaining() < n)
    corrupt(field,
            "needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Digest Decoder::digest(std::string_view field) {
  return Digest::from_bytes(raw(field, Digest::kSize));
}

ByteView Decoder::bytes(std::string_view field, std::size_t max_len) {
  auto n = varint_max(field, max_len);
  return raw(field, static_cast<std::size_t>(n));
}

std::string Decoder::str(std::string_view field, std::size_t max_len) {
  return std::string(as_string_view(bytes(field, max_len)));
}

void Decoder::expect_end() {
  if (!at_end()) corrupt("end", std::to_string(remaining()) + " trailing bytes");
}

}  // namespace hangar
