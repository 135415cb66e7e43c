// Record values: what a record tree's leaf entry and a staged sample hold for one sample, and
// their canonical encoding (docs/format/record-tree.md, "Record values"). Below record_page.h.
#pragma once

#include <hangar/base/encoding.h>
#include <hangar/sample_id.h>

#include <cstddef>
#include <cstdint>

namespace hangar {

// One record: the sample (inline, or its descriptor object's id) and its size in bytes. For an
// inline sample, nbytes is sample.nbytes() (the encoding does not repeat it).
struct RecordValue {
  SampleId sample;
  std::uint64_t nbytes = 0;
  bool operator==(const RecordValue&) const = default;
};

// Permanent tag bytes that start a record value.
inline constexpr std::uint8_t kInlineSampleTag = 0x01;
inline constexpr std::uint8_t kDescriptorSampleTag = 0x02;
// The smallest encoded value: a descriptor reference with nbytes < 128 (tag, digest, 1 byte),
// or an inline scalar (tag, digest, dtype, rank 0).
inline constexpr std::size_t kMinRecordValueBytes = 1 + Digest::kSize + 1;

// The record value of a sample of `nbytes` bytes named by `sample`.
inline RecordValue record_value_of(const SampleId& sample, std::uint64_t nbytes) {
  return {sample, sample.is_inline() ? sample.nbytes() : nbytes};
}

// Appends v's canonical encoding: inline: tag 0x01, chunk digest, dtype, rank, dims;
// descriptor: tag 0x02, descriptor id, nbytes.
void encode_record_value(Encoder& out, const RecordValue& v);
// Reads one value at the decoder's position and checks it (fields "value.tag", "value.digest",
// "value.dtype", "value.shape", "value.nbytes"): a known tag; an inline form of at most
// SampleId::kMaxInlineForm bytes, a known dtype, at most kMaxDims dims, at most one chunk by
// the grid rule, and a digest that is all-zero exactly when the shape has no elements.
// Throws: Corrupt (naming the decoder's object and the field).
RecordValue decode_record_value(Decoder& in);

}  // namespace hangar
