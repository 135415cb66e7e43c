// The pack: a streamed, framed stream of history objects and data chunks with a per-record
// digest (SHA-256, re-hashed by the reader) and a trailer checksum (XXH3-128 of the stream,
// against truncation and damage in transit; docs/format/pack.md). PackWriter builds one in bounded
// pieces; PackReader parses one pushed to it in pieces of any size, verifies every record as
// it completes and hands it on. Private to the remote module.
#pragma once

#include <hangar/base/checksum.h>
#include <hangar/base/digest.h>
#include <hangar/object_type.h>
#include <hangar/remote/transport.h>
#include <hangar/transfer.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hangar::remote {

// Permanent record type codes: a history object's is its ObjectType (object_type.h).
enum class RecordType : std::uint8_t {
  Commit = static_cast<std::uint8_t>(ObjectType::Commit),
  Schema = static_cast<std::uint8_t>(ObjectType::Schema),
  Descriptor = static_cast<std::uint8_t>(ObjectType::Descriptor),
  LeafPage = static_cast<std::uint8_t>(ObjectType::LeafPage),
  InternalPage = static_cast<std::uint8_t>(ObjectType::InternalPage),
  Chunk = 0x10,
  End = 0xFF,
};

inline constexpr std::array<char, 4> kPackMagic = {'H', 'G', 'P', 'K'};
// 1: XXH3-128 digests (16 bytes); 2: SHA-256 digests (32 bytes). Only 2 is read.
inline constexpr std::uint8_t kPackVersion = 2;
inline constexpr std::size_t kPackHeaderSize = 8;  // magic, version, flags, reserved u16
// A record head: type u8, codec u8, digest, raw u32 at kRawAt, payload u64 at kPayloadAt;
// 46 bytes.
inline constexpr std::size_t kRawAt = 2 + Digest::kSize;
inline constexpr std::size_t kPayloadAt = kRawAt + 4;
inline constexpr std::size_t kRecordHeaderSize = kPayloadAt + 8;
inline constexpr std::size_t kTrailerPayloadSize = 16;  // record count u64, byte count u64

struct PackStats {
  std::uint64_t records = 0;  // object and chunk records (not the trailer)
  std::uint64_t objects = 0;
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;  // every byte of the stream, trailer included
};

// Builds a pack into an internal buffer that the caller drains (pending() / clear_pending())
// between additions, so memory stays at one batch. Not thread-safe. Move-only.
class PackWriter {
 public:
  PackWriter();
  ~PackWriter();
  PackWriter(PackWriter&&) noexcept;
  PackWriter& operator=(PackWriter&&) noexcept;

  // Compresses the object with zstd when that pays. Throws: Internal (after finish()).
  void add_object(transfer::ObjectType type, const Digest& id, ByteView canonical);
  // Sends the chunk's stored bytes as they are.
  void add_chunk(const transfer::StoredChunk& chunk);
  // Appends the trailer; nothing may be added after it.
  void finish();
  bool finished() const noexcept;

  // Bytes built and not yet taken.
  ByteView pending() const noexcept;
  void clear_pending() noexcept;
  const PackStats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a PackReader hands on: records whose digest it has verified.
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // `canonical` is the decompressed object; valid during the call only.
  virtual void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) = 0;
  // The chunk's stored bytes as they arrived (verified); valid during the call only.
  virtual void on_chunk(const transfer::StoredChunk& chunk) = 0;
};

// Parses a pack pushed to it in pieces. Caps every size field before allocating and grows its
// buffer only as bytes arrive, so a lying length costs nothing; holds at most one record.
// Not thread-safe. Errors: Corrupt "pack from <source> is corrupt: ..." (bad magic, field,
// digest, checksum, trailing bytes), Unsupported (newer pack version), Remote (finish() before
// the trailer), and whatever the handler throws.
class PackReader final : public PackSink {
 public:
  PackReader(std::string source, RecordHandler& handler);
  ~PackReader() override;

  void write(ByteView data) override;
  // The stream ended. Throws: Remote "pack from <source> ended after N records ..." unless the
  // trailer was read.
  void finish();
  bool complete() const noexcept;
  const PackStats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::remote
