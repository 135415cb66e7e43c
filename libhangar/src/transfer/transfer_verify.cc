// transfer.h: verification of objects and chunks received from a peer (pure functions).
#include <hangar/commit.h>
#include <hangar/error.h>
#include <hangar/schema.h>
#include <hangar/transfer.h>

#include "model/descriptor.h"
#include "tree/record_page.h"

namespace hangar::transfer {

void verify_object(ObjectType type, const Digest& id, ByteView bytes) {
  const std::string what = std::string(object_type_name(type)) + " " + id.hex();
  if (bytes.size() > kMaxObjectBytes)
    fail(ErrorCode::Corrupt,
         what + ": " + std::to_string(bytes.size()) + " bytes is over the object size limit");
  const Digest got = digest_of(bytes);
  if (got != id) fail(ErrorCode::Corrupt, what + ": digest mismatch, got " + got.hex());
  if (bytes.empty() || bytes.front() != std::byte{static_cast<std::uint8_t>(type)})
    fail(ErrorCode::Corrupt, what + ": the kind byte does not match the record type");
  try {
    switch (type) {
      case ObjectType::Commit:
        decode_commit(bytes);
        break;
      case ObjectType::Schema:
        decode_schema(bytes);
        break;
      case ObjectType::Descriptor:
        // A sample of at most one chunk is held inline by records: a descriptor object of one
        // is not canonical (records naming it would not compare equal to inline ones).
        if (fits_inline(decode_descriptor(bytes)))
          fail(ErrorCode::Corrupt,
               "a sample of at most one chunk has no descriptor object; "
               "records hold it inline");
        break;
      case ObjectType::LeafPage:
      case ObjectType::InternalPage:
        decode_page(id, bytes);
        break;
    }
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Unsupported) throw;
    fail(ErrorCode::Corrupt, what + ": " + e.what());
  }
}

void verify_chunk(const Digest& id, storage::ChunkCodec codec, std::uint32_t raw_size,
                  ByteView stored, Bytes& scratch) {
  const std::string what = "chunk " + id.hex();
  if (raw_size > storage::kMaxChunkBytes)
    fail(ErrorCode::Corrupt,
         what + ": raw size " + std::to_string(raw_size) + " is over the chunk size limit");
  Digest got;
  if (codec == storage::ChunkCodec::Raw) {
    if (stored.size() != raw_size)
      fail(ErrorCode::Corrupt, what + ": raw chunk of " + std::to_string(stored.size()) +
                                   " bytes, expected " + std::to_string(raw_size));
    got = digest_of(stored);
  } else if (codec == storage::ChunkCodec::Zstd || codec == storage::ChunkCodec::ZstdDelta) {
    // The frame states its own content size; it must match before we size the buffer.
    if (storage::stated_raw_size(codec, stored) != raw_size)
      fail(ErrorCode::Corrupt,
           what + ": zstd frame does not hold " + std::to_string(raw_size) + " bytes");
    scratch.resize(raw_size);
    try {
      storage::decode_chunk(codec, stored, scratch);
    } catch (const Error& e) {
      fail(ErrorCode::Corrupt, what + ": " + e.what());
    }
    got = digest_of(scratch);
  } else {
    fail(ErrorCode::Corrupt, what + ": unknown codec " + std::to_string(static_cast<int>(codec)));
  }
  if (got != id) fail(ErrorCode::Corrupt, what + ": digest mismatch, got " + got.hex());
}

}  // namespace hangar::transfer
