// SampleId: what a record holds to name one sample's content (docs/format/record-tree.md,
// "Record values"). A sample of at most one chunk is held *inline* -- its dtype, shape and chunk
// digest, everything a reader needs -- so reading, summing up, diffing or checking it looks no
// descriptor up. Any other sample (a large tensor cut into several chunks) is held by the id of
// its descriptor object (docs/format/objects.md). Writers use the inline form whenever a sample
// fits it, so the form is a function of the tensor: equal tensors have equal SampleIds, and two
// SampleIds compare equal exactly when they name the same sample.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/base/digest.h>
#include <hangar/dtype.h>
#include <hangar/tensor.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hangar {

class SampleId {
 public:
  // The inline form's dtype, rank and dims (as varints) take at most this many bytes; a sample
  // whose shape needs more (more than ~6 dims) uses a descriptor object.
  static constexpr std::size_t kMaxInlineForm = 15;

  // The descriptor reference with an all-zero id: names no sample.
  SampleId() = default;

  // A sample held by its descriptor object `id`.
  static SampleId of_descriptor(const Digest& id) noexcept;
  // The inline SampleId of a tensor of `dtype` and `shape` whose only chunk is `chunk` (the
  // all-zero digest when the tensor has no elements, hence no chunk), or nullopt when the
  // tensor does not fit the inline form: its chunk grid has several chunks, or its dtype and
  // shape take more than kMaxInlineForm bytes. Throws: InvalidArgument (more than kMaxDims
  // dims, or more than kMaxTensorBytes).
  static std::optional<SampleId> make_inline(DType dtype, const Shape& shape, const Digest& chunk);
  // For decoders: the inline SampleId of a form that has been checked (dtype code, rank, dims,
  // at most one chunk, at most kMaxInlineForm bytes), as decode_record_value does.
  // REQUIRES: `form` valid; `chunk` all-zero exactly when the shape has a zero dim.
  static SampleId from_checked_form(const Digest& chunk, ByteView form) noexcept;

  bool is_inline() const noexcept { return form_size_ != 0; }
  // Inline: the sample's only chunk (all-zero when it has no elements); otherwise the id of
  // its descriptor object.
  const Digest& digest() const noexcept { return digest_; }

  // Inline samples only (REQUIRES: is_inline()).
  DType dtype() const noexcept;
  Shape shape() const;
  // Element size x product of the dims.
  std::uint64_t nbytes() const noexcept;
  // True when the sample has elements (and so one chunk, digest()).
  bool has_chunk() const noexcept { return !digest_.is_zero(); }
  // The inline form's bytes: dtype code, rank, dims (empty for a descriptor reference).
  ByteView inline_form() const noexcept { return {form_.data(), form_size_}; }

  // The canonical bytes: tag (1 inline, 2 descriptor), digest, inline form. A record value is
  // these, plus the nbytes of a descriptor reference.
  Bytes encoded() const;
  // Hex of encoded(), for tests and tools that print identities.
  std::string hex() const;
  // The digest's short hex, for messages.
  std::string short_hex() const { return digest_.short_hex(); }

  bool operator==(const SampleId&) const = default;

 private:
  Digest digest_;
  std::array<std::byte, kMaxInlineForm> form_{};  // zero past form_size_
  std::uint8_t form_size_ = 0;                    // 0: a descriptor reference
};

}  // namespace hangar

template <>
struct std::hash<hangar::SampleId> {
  std::size_t operator()(const hangar::SampleId& s) const noexcept {
    std::size_t h = std::hash<hangar::Digest>{}(s.digest());
    for (std::byte b : s.inline_form()) h = h * 31 + std::to_integer<std::size_t>(b);
    return h;
  }
};
