// SampleId (sample_id.h) and the record value codec (record_value.h).
#include <hangar/error.h>
#include <hangar/sample_id.h>

#include <cstring>

#include "model/chunk_grid.h"
#include "tree/record_value.h"

namespace hangar {
namespace {

constexpr std::size_t kMaxVarintBytes = 10;

// A small fixed buffer for building an inline form; refuses to grow past SampleId's limit.
class FormWriter {
 public:
  // False (and nothing written) when the byte does not fit.
  bool u8(std::uint8_t v) {
    if (size_ == SampleId::kMaxInlineForm) return false;
    buf_[size_++] = std::byte{v};
    return true;
  }
  bool varint(std::uint64_t v) {
    std::array<std::byte, kMaxVarintBytes> tmp;
    std::size_t n = 0;
    while (v >= 0x80) {
      tmp[n++] = static_cast<std::byte>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    tmp[n++] = static_cast<std::byte>(v);
    if (size_ + n > SampleId::kMaxInlineForm) return false;
    std::memcpy(buf_.data() + size_, tmp.data(), n);
    size_ += n;
    return true;
  }
  ByteView view() const noexcept { return {buf_.data(), size_}; }

 private:
  std::array<std::byte, SampleId::kMaxInlineForm> buf_{};
  std::size_t size_ = 0;
};

// Reads the varints of a checked form (no bounds problems: the form was validated).
class FormReader {
 public:
  explicit FormReader(ByteView form) : form_(form) {}
  std::uint8_t u8() noexcept { return std::to_integer<std::uint8_t>(form_[pos_++]); }
  std::uint64_t varint() noexcept {
    std::uint64_t v = 0;
    for (int shift = 0; pos_ < form_.size(); shift += 7) {
      const auto b = std::to_integer<std::uint64_t>(form_[pos_++]);
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  }

 private:
  ByteView form_;
  std::size_t pos_ = 0;
};

}  // namespace

SampleId SampleId::of_descriptor(const Digest& id) noexcept {
  SampleId s;
  s.digest_ = id;
  return s;
}

std::optional<SampleId> SampleId::make_inline(DType dtype, const Shape& shape,
                                              const Digest& chunk) {
  const std::uint64_t elements = checked_element_count(shape, dtype, "sample");
  // At most one chunk (objects.md, chunk grid rule 2): no elements, or at most kChunkTarget
  // bytes. A product of at most 1 TiB cannot overflow.
  if (elements != 0 && elements * dtype_size(dtype) > kChunkTarget) return std::nullopt;
  FormWriter w;
  bool fits = w.u8(static_cast<std::uint8_t>(dtype)) && w.varint(shape.size());
  for (std::size_t i = 0; fits && i < shape.size(); ++i) fits = w.varint(shape[i]);
  if (!fits) return std::nullopt;
  return from_checked_form(elements == 0 ? Digest{} : chunk, w.view());
}

SampleId SampleId::from_checked_form(const Digest& chunk, ByteView form) noexcept {
  SampleId s;
  s.digest_ = chunk;
  std::memcpy(s.form_.data(), form.data(), form.size());
  s.form_size_ = static_cast<std::uint8_t>(form.size());
  return s;
}

DType SampleId::dtype() const noexcept { return static_cast<DType>(form_[0]); }

Shape SampleId::shape() const {
  FormReader r(inline_form());
  r.u8();
  Shape s(r.varint());
  for (auto& d : s) d = r.varint();
  return s;
}

std::uint64_t SampleId::nbytes() const noexcept {
  FormReader r(inline_form());
  std::uint64_t n = dtype_size(static_cast<DType>(r.u8()));
  for (std::uint64_t nd = r.varint(); nd > 0; --nd) n *= r.varint();
  return n;
}

Bytes SampleId::encoded() const {
  Encoder e;
  e.u8(is_inline() ? kInlineSampleTag : kDescriptorSampleTag);
  e.digest(digest_);
  e.raw(inline_form());
  return e.take();
}

std::string SampleId::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::byte b : encoded()) {
    out += kHex[std::to_integer<unsigned>(b) >> 4];
    out += kHex[std::to_integer<unsigned>(b) & 0xF];
  }
  return out;
}

void encode_record_value(Encoder& out, const RecordValue& v) {
  out.u8(v.sample.is_inline() ? kInlineSampleTag : kDescriptorSampleTag);
  out.digest(v.sample.digest());
  if (v.sample.is_inline()) {
    out.raw(v.sample.inline_form());
  } else {
    out.varint(v.nbytes);
  }
}

RecordValue decode_record_value(Decoder& in) {
  const std::uint8_t tag = in.u8("value.tag");
  if (tag == kDescriptorSampleTag) {
    const Digest id = in.digest("value.digest");
    return {SampleId::of_descriptor(id), in.varint("value.nbytes")};
  }
  if (tag != kInlineSampleTag) in.corrupt("value.tag", "unknown tag " + std::to_string(tag));
  const Digest chunk = in.digest("value.digest");
  const std::uint8_t code = in.u8("value.dtype");
  const std::optional<DType> dtype = dtype_from_code(code);
  if (!dtype) in.corrupt("value.dtype", "unknown dtype code " + std::to_string(code));
  const std::uint64_t rank = in.varint_max("value.shape", kMaxDims);
  FormWriter form;
  const auto too_long = [&] {
    in.corrupt("value.shape", "the inline form takes more than " +
                                  std::to_string(SampleId::kMaxInlineForm) + " bytes");
  };
  if (!form.u8(code) || !form.varint(rank)) too_long();
  bool empty = false, several_chunks = false;
  std::uint64_t bytes = dtype_size(*dtype);
  for (std::uint64_t i = 0; i < rank; ++i) {
    const std::uint64_t d = in.varint("value.shape");
    if (!form.varint(d)) too_long();
    if (d == 0) {
      empty = true;
    } else if (!several_chunks && bytes > kChunkTarget / d) {
      several_chunks = true;
    } else if (!several_chunks) {
      bytes *= d;
    }
  }
  if (several_chunks && !empty)
    in.corrupt("value.shape", "a sample of several chunks is held by a descriptor, not inline");
  if (empty != chunk.is_zero())
    in.corrupt("value.digest", empty ? "a sample with no elements has no chunk"
                                     : "all-zero digest for a sample with elements");
  return {SampleId::from_checked_form(chunk, form.view()), empty ? 0 : bytes};
}

}  // namespace hangar
