// ChunkLocation encoding (docs/format/location.md) and ChunkStore defaults.
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/storage/chunk_store.h>

#include <cstdio>

namespace hangar::storage {
namespace {
// 1: no checksum; 2: u64 checksum after stored_size.
constexpr std::uint8_t kLocationVersion = 2;

// Reads through ChunkStore::read() into a reusable buffer.
class ScratchReader final : public ChunkStore::Reader {
 public:
  explicit ScratchReader(const ChunkStore* store) : store_(store) {}
  ByteView stored(const ChunkLocation& loc) override {
    if (loc.stored_size > kMaxChunkBytes)  // decode_location guarantees it; never trust blindly
      fail(ErrorCode::Corrupt, "chunk location claims " + std::to_string(loc.stored_size) +
                                   " stored bytes, more than the chunk limit");
    buffer_.resize(loc.stored_size);
    store_->read(loc, buffer_);
    return buffer_;
  }

 private:
  const ChunkStore* store_;
  Bytes buffer_;
};
}  // namespace

std::string backend_code_name(BackendCode code) {
  const auto v = static_cast<std::uint16_t>(code);
  const char hi = static_cast<char>(v >> 8), lo = static_cast<char>(v & 0xFF);
  auto printable = [](char c) { return c >= 0x21 && c <= 0x7e; };
  if (printable(hi) && printable(lo)) return std::string{hi, lo};
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
  return buf;
}

std::string_view backend_name(BackendCode code) noexcept {
  switch (code) {
    case BackendCode::Lmdb:
    case BackendCode::LmdbSegments:
      return "lmdb";
    case BackendCode::Hdf5:
      return "hdf5";
  }
  return "unknown";
}

bool is_known_backend(BackendCode code) noexcept {
  return code == BackendCode::Lmdb || code == BackendCode::LmdbSegments ||
         code == BackendCode::Hdf5;
}

Bytes encode_location(const ChunkLocation& loc) {
  Encoder e;
  e.u8(loc.checksum ? kLocationVersion : 1);
  e.u16(static_cast<std::uint16_t>(loc.backend));
  e.u8(static_cast<std::uint8_t>(loc.codec));
  e.u32(loc.raw_size);
  e.u32(loc.stored_size);
  if (loc.checksum) e.u64(*loc.checksum);
  e.bytes(loc.backend_record);
  return e.take();
}

ChunkLocation decode_location(ByteView encoded) {
  Decoder d(encoded, "chunk location");
  const std::uint8_t version = d.u8("version");
  if (version == 0) d.corrupt("version", "0 is not a valid version");
  if (version > kLocationVersion)
    fail(ErrorCode::Unsupported, "chunk location format " + std::to_string(version) +
                                     " was written by a newer hangar; upgrade hangar");
  ChunkLocation loc{};
  loc.backend = static_cast<BackendCode>(d.u16("backend"));
  const std::uint8_t codec = d.u8("codec");
  loc.codec = codec_from_byte(codec);  // throws Unsupported with the standard message
  loc.raw_size = d.u32("raw_size");
  if (loc.raw_size > kMaxChunkBytes)
    d.corrupt("raw_size", std::to_string(loc.raw_size) + " > " + std::to_string(kMaxChunkBytes));
  loc.stored_size = d.u32("stored_size");
  if (loc.stored_size > kMaxChunkBytes)
    d.corrupt("stored_size",
              std::to_string(loc.stored_size) + " > " + std::to_string(kMaxChunkBytes));
  if (loc.codec == ChunkCodec::Raw && loc.stored_size != loc.raw_size)
    d.corrupt("stored_size", "raw chunk with stored_size " + std::to_string(loc.stored_size) +
                                 " != raw_size " + std::to_string(loc.raw_size));
  if (version >= 2) loc.checksum = d.u64("checksum");
  loc.backend_record = to_bytes(d.bytes("backend_record", kMaxBackendRecord));
  d.expect_end();
  return loc;
}

std::unique_ptr<ChunkStore::Reader> ChunkStore::open_reader() const {
  return std::make_unique<ScratchReader>(this);
}

}  // namespace hangar::storage
