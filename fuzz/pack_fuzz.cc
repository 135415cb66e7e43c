// Packs, as a server reads a push and a client reads a clone or fetch (PackReader, pack.h),
// arriving in pieces of any size. The first input byte chooses a piece size (low 7 bits; 0: one
// piece) and a mode (high bit):
//  - raw: the rest is the stream itself, so every header, record head, size cap and trailer
//    check is reachable, but no mutation gets past a SHA-256 record digest;
//  - built: the rest is a list of records (tag, u16 length, bytes) that PackWriter turns into a
//    pack with true digests and trailer: objects (those that pass transfer::verify_object) and
//    chunks encoded by storage::encode_chunk (raw, zstd, zstd-delta). Oracle: the reader accepts
//    that pack and hands back exactly the records written, in order.
#include <hangar/base/codec.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "pack.h"

using namespace hangar;
using namespace hangar::remote;

namespace {

struct Record {
  std::optional<transfer::ObjectType> type;  // nullopt: a chunk
  Digest id;
  storage::ChunkCodec codec = storage::ChunkCodec::Raw;
  std::uint32_t raw_size = 0;
  Bytes bytes;  // canonical object or stored chunk
  bool operator==(const Record&) const = default;
};

class Collect final : public RecordHandler {
 public:
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    records.push_back({type, id, storage::ChunkCodec::Raw, 0, to_bytes(canonical)});
  }
  void on_chunk(const transfer::StoredChunk& c) override {
    records.push_back({std::nullopt, c.id, c.codec, c.raw_size, to_bytes(c.stored)});
  }
  std::vector<Record> records;
};

// Feeds `stream` in pieces of `piece` bytes (0: at once), then ends it.
void read_pack(ByteView stream, std::size_t piece, RecordHandler& handler) {
  PackReader reader("fuzz", handler);
  if (piece == 0) piece = std::max<std::size_t>(stream.size(), 1);
  for (std::size_t at = 0; at < stream.size(); at += piece)
    reader.write(stream.subspan(at, std::min(piece, stream.size() - at)));
  reader.finish();
}

// The records of a built pack: tag byte, u16 length, that many bytes (fewer at the end).
std::vector<Record> parse_records(ByteView in) {
  std::vector<Record> out;
  while (in.size() >= 3) {
    const auto tag = std::to_integer<std::uint8_t>(in[0]);
    const std::size_t len = std::min<std::size_t>(
        std::to_integer<std::size_t>(in[1]) | std::to_integer<std::size_t>(in[2]) << 8,
        in.size() - 3);
    const ByteView body = in.subspan(3, len);
    in = in.subspan(3 + len);
    Record r;
    if (tag % 8 < 5) {
      r.type = static_cast<transfer::ObjectType>(tag % 8 + 1);
      r.id = digest_of(body);
      try {
        transfer::verify_object(*r.type, r.id, body);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::Internal) fuzz::finding(e.what());
        continue;  // the reader's refusal of such objects is what raw mode explores
      }
      r.bytes = to_bytes(body);
    } else {
      // Tag 5: zstd when it pays; 6 and 7: a delta filter of 1- or 2-byte elements and a stride
      // taken from the tag's high bits.
      std::optional<storage::DeltaFilter> delta;
      if (tag % 8 > 5) {
        const auto size = static_cast<std::uint8_t>(tag % 8 - 5);
        if (body.size() % size == 0)
          delta = storage::DeltaFilter{size, static_cast<std::uint8_t>(tag / 8 % 4 + 1), 0};
      }
      storage::EncodedChunk c = storage::encode_chunk(body, storage::kDefaultZstdLevel, delta);
      r.id = c.digest;
      r.codec = c.codec;
      r.raw_size = c.raw_size;
      r.bytes = std::move(c.stored);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void built_pack(ByteView in, std::size_t piece) {
  const std::vector<Record> records = parse_records(in);
  PackWriter writer;
  for (const Record& r : records) {
    if (r.type)
      writer.add_object(*r.type, r.id, r.bytes);
    else
      writer.add_chunk({r.id, r.codec, r.raw_size, r.bytes});
  }
  writer.finish();
  Collect got;
  try {
    read_pack(writer.pending(), piece, got);
  } catch (const Error& e) {
    fuzz::finding(std::string("a pack of valid records is refused: ") + e.what());
  }
  if (got.records != records) fuzz::finding("the reader handed back other records");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] & 0x7F;
  const ByteView rest = fuzz::bytes_of(data + 1, size - 1);
  if (data[0] & 0x80) {
    built_pack(rest, piece);
  } else {
    Collect ignored;
    fuzz::refuse_or_accept([&] { read_pack(rest, piece, ignored); });
  }
  return 0;
}
