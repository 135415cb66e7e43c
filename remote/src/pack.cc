// Pack writer and reader (docs/format/pack.md).
//
// The reader is a push parser: bytes arrive in pieces of any size (4 KiB from an HTTP socket,
// whole batches from a local transport). A unit (header, record head, payload) that arrives
// whole in one piece is processed in place; otherwise it is gathered in a buffer that grows
// only as bytes arrive. Every size field is capped before anything is sized from it.
#include "pack.h"

#include <hangar/base/codec.h>
#include <hangar/error.h>

#include <cstring>

namespace hangar::remote {
namespace {

constexpr int kObjectZstdLevel = 3;
constexpr std::size_t kMinCompressObject = 256;

void put_le(std::byte* out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}
std::uint64_t get_le(const std::byte* in, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(in[i])} << (8 * i);
  return v;
}

// The trailer's digest field: the XXH3-128 stream checksum (canonical form), then zeros.
Digest trailer_field(const Checksum128& checksum) {
  Digest d;
  const auto canon = checksum.canonical();
  std::memcpy(d.bytes.data(), canon.data(), canon.size());
  return d;
}

// Largest payload a record of raw size `raw` may have: raw bytes as they are, or a zstd frame
// (which our encoders only keep when it is smaller; the slack allows other encoders).
std::uint64_t payload_cap(std::uint32_t raw) { return std::uint64_t{raw} + raw / 64 + 1024; }

}  // namespace

// ---- writer ----

struct PackWriter::Impl {
  Bytes buf;
  StreamChecksum hasher;
  PackStats stats;
  bool finished = false;
  Bytes scratch;

  void append(ByteView b) {
    const std::size_t at = buf.size();
    buf.resize(at + b.size());
    if (!b.empty()) std::memcpy(buf.data() + at, b.data(), b.size());
    hasher.update(b);
    stats.bytes += b.size();
  }
  void head(RecordType type, std::uint8_t codec, const Digest& id, std::uint32_t raw,
            std::uint64_t payload) {
    if (finished) fail(ErrorCode::Internal, "pack record added after the trailer");
    std::array<std::byte, kRecordHeaderSize> h{};
    h[0] = static_cast<std::byte>(type);
    h[1] = static_cast<std::byte>(codec);
    std::memcpy(h.data() + 2, id.bytes.data(), Digest::kSize);
    put_le(h.data() + kRawAt, raw, 4);
    put_le(h.data() + kPayloadAt, payload, 8);
    append(h);
  }
};

PackWriter::PackWriter() : impl_(std::make_unique<Impl>()) {
  std::array<std::byte, kPackHeaderSize> h{};
  for (std::size_t i = 0; i < kPackMagic.size(); ++i) h[i] = static_cast<std::byte>(kPackMagic[i]);
  h[4] = static_cast<std::byte>(kPackVersion);
  impl_->append(h);
}
PackWriter::~PackWriter() = default;
PackWriter::PackWriter(PackWriter&&) noexcept = default;
PackWriter& PackWriter::operator=(PackWriter&&) noexcept = default;

void PackWriter::add_object(transfer::ObjectType type, const Digest& id, ByteView canonical) {
  auto& s = *impl_;
  if (canonical.size() > transfer::kMaxObjectBytes)
    fail(ErrorCode::Internal, "object " + id.hex() + " is over the object size limit");
  const auto raw = static_cast<std::uint32_t>(canonical.size());
  if (canonical.size() >= kMinCompressObject) {
    // Compressed only when that saves at least 1/32.
    if (storage::compress_frame(canonical, kObjectZstdLevel,
                                canonical.size() - canonical.size() / 32, s.scratch)) {
      const std::size_t n = s.scratch.size();
      s.head(static_cast<RecordType>(type), static_cast<std::uint8_t>(storage::ChunkCodec::Zstd),
             id, raw, n);
      s.append(ByteView(s.scratch.data(), n));
      ++s.stats.records;
      ++s.stats.objects;
      return;
    }
  }
  s.head(static_cast<RecordType>(type), static_cast<std::uint8_t>(storage::ChunkCodec::Raw), id,
         raw, raw);
  s.append(canonical);
  ++s.stats.records;
  ++s.stats.objects;
}

void PackWriter::add_chunk(const transfer::StoredChunk& chunk) {
  impl_->head(RecordType::Chunk, static_cast<std::uint8_t>(chunk.codec), chunk.id, chunk.raw_size,
              chunk.stored.size());
  impl_->append(chunk.stored);
  ++impl_->stats.records;
  ++impl_->stats.chunks;
}

void PackWriter::finish() {
  auto& s = *impl_;
  if (s.finished) return;
  const Digest checksum = trailer_field(s.hasher.finish());
  const std::uint64_t before = s.stats.bytes;
  s.head(RecordType::End, 0, checksum, 0, kTrailerPayloadSize);
  std::array<std::byte, kTrailerPayloadSize> p{};
  put_le(p.data(), s.stats.records, 8);
  put_le(p.data() + 8, before, 8);
  s.append(p);
  s.finished = true;
}

bool PackWriter::finished() const noexcept { return impl_->finished; }
ByteView PackWriter::pending() const noexcept { return impl_->buf; }
void PackWriter::clear_pending() noexcept { impl_->buf.clear(); }
const PackStats& PackWriter::stats() const noexcept { return impl_->stats; }

// ---- reader ----

struct PackReader::Impl {
  enum class Stage { Header, Head, Payload, Done };

  std::string source;
  RecordHandler& handler;
  Stage stage = Stage::Header;
  Bytes buf;
  RecordType type = RecordType::End;
  std::uint8_t codec = 0;
  Digest id;
  std::uint32_t raw = 0;
  std::uint64_t payload = 0;
  StreamChecksum hasher;
  PackStats stats;
  Bytes scratch;

  Impl(std::string src, RecordHandler& h) : source(std::move(src)), handler(h) {}

  [[noreturn]] void corrupt(const std::string& what) const {
    fail(ErrorCode::Corrupt, "pack from " + source + " is corrupt: " + what);
  }
  std::string record_name() const { return "record " + std::to_string(stats.records + 1); }

  std::size_t need() const {
    switch (stage) {
      case Stage::Header:
        return kPackHeaderSize;
      case Stage::Head:
        return kRecordHeaderSize;
      case Stage::Payload:
        return static_cast<std::size_t>(payload);
      case Stage::Done:
        break;
    }
    return 0;
  }

  void process(ByteView unit) {
    stats.bytes += unit.size();
    switch (stage) {
      case Stage::Header:
        return on_header(unit);
      case Stage::Head:
        return on_head(unit);
      case Stage::Payload:
        return on_payload(unit);
      case Stage::Done:
        break;
    }
  }

  void on_header(ByteView h) {
    if (std::memcmp(h.data(), kPackMagic.data(), kPackMagic.size()) != 0)
      corrupt("not a hangar pack (bad magic)");
    const auto version = std::to_integer<std::uint8_t>(h[4]);
    if (version > kPackVersion)
      fail(ErrorCode::Unsupported, "pack from " + source + " has format version " +
                                       std::to_string(version) + "; upgrade hangar");
    if (version == 1)
      fail(ErrorCode::Unsupported, "pack from " + source +
                                       " has format version 1 (XXH3 digests) of an older hangar; "
                                       "upgrade hangar there");
    if (version == 0) corrupt("format version 0");
    if (h[5] != std::byte{0} || h[6] != std::byte{0} || h[7] != std::byte{0})
      corrupt("reserved header bytes are not zero");
    hasher.update(h);
    stage = Stage::Head;
  }

  void on_head(ByteView h) {
    const auto t = std::to_integer<std::uint8_t>(h[0]);
    codec = std::to_integer<std::uint8_t>(h[1]);
    std::memcpy(id.bytes.data(), h.data() + 2, Digest::kSize);
    raw = static_cast<std::uint32_t>(get_le(h.data() + kRawAt, 4));
    payload = get_le(h.data() + kPayloadAt, 8);
    const std::string rec = record_name();
    if (t == static_cast<std::uint8_t>(RecordType::End)) {
      type = RecordType::End;
      if (codec != 0 || raw != 0 || payload != kTrailerPayloadSize)
        corrupt("trailer after " + std::to_string(stats.records) + " records: bad field");
    } else {
      hasher.update(h);
      std::uint32_t cap = 0;
      if (object_type_from_byte(t)) {
        cap = transfer::kMaxObjectBytes;
      } else if (t == static_cast<std::uint8_t>(RecordType::Chunk)) {
        cap = storage::kMaxChunkBytes;
      } else {
        corrupt(rec + ": unknown record type " + std::to_string(t));
      }
      type = static_cast<RecordType>(t);
      // zstd-delta is a chunk codec only; objects are raw or zstd.
      if (!storage::is_known_codec(codec) ||
          (type != RecordType::Chunk &&
           codec > static_cast<std::uint8_t>(storage::ChunkCodec::Zstd)))
        corrupt(rec + ": unknown codec " + std::to_string(codec));
      if (raw > cap)
        corrupt(rec + ": raw size " + std::to_string(raw) + " is over the limit " +
                std::to_string(cap));
      const bool is_raw = codec == static_cast<std::uint8_t>(storage::ChunkCodec::Raw);
      if (is_raw ? payload != raw : payload > payload_cap(raw))
        corrupt(rec + ": payload size " + std::to_string(payload) + " does not fit raw size " +
                std::to_string(raw));
    }
    stage = Stage::Payload;
    // A zero-length payload completes at once; write() never sees a unit of 0 bytes.
    if (payload == 0) process({});
  }

  void on_payload(ByteView p) {
    if (type == RecordType::End) return on_trailer(p);
    hasher.update(p);
    const std::string rec = record_name();
    try {
      if (type == RecordType::Chunk) {
        transfer::verify_chunk(id, static_cast<storage::ChunkCodec>(codec), raw, p, scratch);
      } else {
        const auto otype = static_cast<transfer::ObjectType>(type);
        ByteView canonical = p;
        if (codec == static_cast<std::uint8_t>(storage::ChunkCodec::Zstd)) {
          if (storage::stated_raw_size(storage::ChunkCodec::Zstd, p) != raw)
            corrupt(rec + ": zstd frame size does not match raw size " + std::to_string(raw));
          scratch.resize(raw);
          storage::decode_chunk(storage::ChunkCodec::Zstd, p, scratch);
          canonical = ByteView(scratch.data(), raw);
        }
        transfer::verify_object(otype, id, canonical);
        ++stats.records;
        ++stats.objects;
        stage = Stage::Head;
        handler.on_object(otype, id, canonical);
        return;
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Corrupt && std::string_view(e.what()).rfind("pack from", 0) != 0)
        corrupt(rec + " (" + e.what() + ")");
      throw;
    }
    ++stats.records;
    ++stats.chunks;
    stage = Stage::Head;
    handler.on_chunk(transfer::StoredChunk{id, static_cast<storage::ChunkCodec>(codec), raw, p});
  }

  void on_trailer(ByteView p) {
    const std::uint64_t records = get_le(p.data(), 8);
    const std::uint64_t bytes = get_le(p.data() + 8, 8);
    const std::uint64_t before = stats.bytes - kRecordHeaderSize - kTrailerPayloadSize;
    if (records != stats.records)
      corrupt("trailer counts " + std::to_string(records) + " records, got " +
              std::to_string(stats.records));
    if (bytes != before)
      corrupt("trailer counts " + std::to_string(bytes) + " bytes, got " + std::to_string(before));
    const Digest got = trailer_field(hasher.finish());
    if (got != id) corrupt("checksum mismatch: trailer says " + id.hex() + ", got " + got.hex());
    stage = Stage::Done;
  }
};

PackReader::PackReader(std::string source, RecordHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(source), handler)) {}
PackReader::~PackReader() = default;

void PackReader::write(ByteView data) {
  auto& s = *impl_;
  while (!data.empty()) {
    if (s.stage == Impl::Stage::Done)
      s.corrupt(std::to_string(data.size()) + " bytes after the trailer");
    const std::size_t need = s.need();
    if (s.buf.empty() && data.size() >= need) {
      s.process(data.first(need));
      data = data.subspan(need);
      continue;
    }
    const std::size_t take = std::min(need - s.buf.size(), data.size());
    const std::size_t at = s.buf.size();
    s.buf.resize(at + take);  // grows with arriving bytes only
    std::memcpy(s.buf.data() + at, data.data(), take);
    data = data.subspan(take);
    if (s.buf.size() == need) {
      Bytes unit = std::move(s.buf);
      s.buf = Bytes();
      s.process(unit);
      if (s.buf.capacity() == 0) {  // keep one buffer for the next gathered unit
        unit.clear();
        s.buf = std::move(unit);
      }
    }
  }
}

void PackReader::finish() {
  if (impl_->stage == Impl::Stage::Done) return;
  fail(ErrorCode::Remote, "pack from " + impl_->source + " ended after " +
                              std::to_string(impl_->stats.records) +
                              " records without its trailer: the connection broke or the "
                              "sender stopped; nothing was applied, retry");
}

bool PackReader::complete() const noexcept { return impl_->stage == Impl::Stage::Done; }
const PackStats& PackReader::stats() const noexcept { return impl_->stats; }

}  // namespace hangar::remote
