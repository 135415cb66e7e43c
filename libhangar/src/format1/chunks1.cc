// The format-1 chunk store (chunks1.h). Layouts and checks follow format 1's location.md.
#include "format1/chunks1.h"

#include <hangar/base/codec.h>
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/storage/lmdb.h>

#include <cstring>
#include <optional>

#include "format1/h0_pack1.h"

namespace hangar::format1 {
namespace lmdb = storage::lmdb;
namespace {

constexpr std::uint32_t kMaxChunkBytes = 64u << 20;

struct Env1 {
  lmdb::Env env;
  lmdb::ReadTxn txn;
};

// The env at `dir` with `tables`, read-only and without lock.mdb; nullopt when it was never
// created (a backend the repository did not use).
std::optional<Env1> open_env(const std::filesystem::path& dir,
                             const std::vector<std::string>& tables, bool required) {
  std::error_code ec;
  if (!required && !std::filesystem::exists(dir / "data.mdb", ec)) return std::nullopt;
  lmdb::EnvOptions options;
  options.read_only = true;
  options.no_lock = true;
  lmdb::Env env = lmdb::Env::open(dir, tables, options);
  lmdb::ReadTxn txn = env.begin_read();
  return Env1{std::move(env), std::move(txn)};
}

std::uint64_t le(ByteView b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(b[at + i]);
  return v;
}

// Codec 2: undoes the left/above predictor in place (location.md, "Codec 2: zstd-delta").
void undo_delta(std::uint8_t element_size, std::uint8_t stride, std::uint32_t row,
                MutableByteView data) {
  const std::size_t n = data.size() / element_size;
  const std::uint32_t mask = element_size == 1 ? 0xffu : 0xffffu;
  auto at = [&](std::size_t i) -> std::uint32_t {
    return static_cast<std::uint32_t>(le(data, i * element_size, element_size));
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = row == 0 ? i : i % row;
    std::uint32_t x = at(i);
    if (j >= stride) {
      x += at(i - stride);
    } else if (row != 0 && i >= row) {
      x += at(i - row);
    }
    x &= mask;
    data[i * element_size] = static_cast<std::byte>(x & 0xff);
    if (element_size == 2) data[i * element_size + 1] = static_cast<std::byte>(x >> 8);
  }
}

}  // namespace

Location1 decode_location1(const Digest1& id, ByteView bytes) {
  Decoder in(bytes, "location of chunk " + id.short_hex());
  Location1 loc;
  const std::uint8_t version = in.u8("version");
  if (version == 0) in.corrupt("version", "0");
  if (version > 1)
    fail(ErrorCode::Unsupported, "location record of chunk " + id.hex() + " has version " +
                                     std::to_string(version) + ", which format 1 does not define");
  loc.backend = in.u16("backend");
  loc.codec = in.u8("codec");
  if (loc.codec > 2)
    fail(ErrorCode::Unsupported,
         "chunk " + id.hex() + " has codec " + std::to_string(loc.codec) + ", unknown to format 1");
  loc.raw_size = in.u32("raw_size");
  if (loc.raw_size > kMaxChunkBytes) in.corrupt("raw_size", std::to_string(loc.raw_size));
  loc.stored_size = in.u32("stored_size");
  if (loc.stored_size > kMaxChunkBytes || (loc.codec == 0 && loc.stored_size != loc.raw_size))
    in.corrupt("stored_size", std::to_string(loc.stored_size));
  const ByteView record = in.bytes("backend_record", 256);
  loc.record.assign(record.begin(), record.end());
  in.expect_end();
  return loc;
}

void decode_chunk1(std::uint8_t codec, ByteView stored, MutableByteView out) {
  switch (codec) {
    case 0:
      if (stored.size() != out.size()) fail(ErrorCode::Corrupt, "raw chunk of another size");
      if (!out.empty()) std::memcpy(out.data(), stored.data(), out.size());
      return;
    case 1:
      return storage::decode_chunk(storage::ChunkCodec::Zstd, stored, out);
    case 2: {
      if (stored.size() < storage::kDeltaHeaderSize)
        fail(ErrorCode::Corrupt, "zstd-delta chunk without its header");
      const auto element_size = std::to_integer<std::uint8_t>(stored[0]);
      const auto stride = std::to_integer<std::uint8_t>(stored[1]);
      const auto row = static_cast<std::uint32_t>(le(stored, 2, 4));
      if ((element_size != 1 && element_size != 2) || stride == 0 || (row != 0 && row < stride) ||
          out.size() % element_size != 0)
        fail(ErrorCode::Corrupt, "zstd-delta chunk with a bad header");
      storage::decode_chunk(storage::ChunkCodec::Zstd, stored.subspan(storage::kDeltaHeaderSize),
                            out);
      return undo_delta(element_size, stride, row, out);
    }
    default:
      fail(ErrorCode::Unsupported,
           "chunk codec " + std::to_string(codec) + " is unknown to format 1");
  }
}

struct ChunkStore1::Impl {
  Env1 index;
  std::optional<Env1> segments;  // l1
  std::optional<Env1> l0;
  H0Packs1 packs;
  Bytes stored;

  ByteView l0_bytes(const Digest1& id, const Location1& loc) {
    const std::string where = "l0 chunk " + id.hex();
    if (loc.record.size() != Digest1::kSize)
      fail(ErrorCode::Corrupt, "corrupt location of " + where + ": bad backend_record");
    auto v = l0 ? l0->txn.get(l0->env.table("chunks"), loc.record) : std::nullopt;
    if (!v) fail(ErrorCode::Corrupt, where + " is missing from chunks/lmdb");
    if (v->size() != loc.stored_size) fail(ErrorCode::Corrupt, where + " has another size");
    return *v;
  }

  ByteView l1_bytes(const Digest1& id, const Location1& loc) {
    const std::string where = "l1 chunk " + id.hex();
    if (loc.record.size() != 12)
      fail(ErrorCode::Corrupt, "corrupt location of " + where + ": bad backend_record");
    const std::uint64_t segment = le(loc.record, 0, 8);
    const std::uint64_t offset = le(loc.record, 8, 4);
    if (loc.stored_size == 0) return {};
    Encoder key;  // segment ids are big-endian keys
    for (int i = 7; i >= 0; --i) key.u8(static_cast<std::uint8_t>(segment >> (8 * i)));
    auto v =
        segments ? segments->txn.get(segments->env.table("segments"), key.buffer()) : std::nullopt;
    if (!v || v->size() < 4)
      fail(ErrorCode::Corrupt, where + ": segment " + std::to_string(segment) + " is missing");
    const std::uint64_t count = le(*v, v->size() - 4, 4);
    if (count > (v->size() - 4) / 4)
      fail(ErrorCode::Corrupt, where + ": segment " + std::to_string(segment) + " is damaged");
    const std::uint64_t data_size = v->size() - 4 - 4 * count;
    if (offset + loc.stored_size > data_size)
      fail(ErrorCode::Corrupt, where + " lies outside segment " + std::to_string(segment));
    return v->subspan(offset, loc.stored_size);
  }

  ByteView h0_bytes(const Location1& loc) {
    if (loc.record.size() != 16)
      fail(ErrorCode::Corrupt, "corrupt h0 location: bad backend_record");
    const std::uint64_t pack = le(loc.record, 0, 8);
    const std::uint64_t row = le(loc.record, 8, 8);
    stored.resize(loc.stored_size);
    if (pack != 0)
      packs.read(pack, row, loc.raw_size, loc.codec == 1, stored);
    else if (loc.stored_size != 0)
      fail(ErrorCode::Corrupt, "h0 chunk in pack 0 is not empty");
    return stored;
  }
};

ChunkStore1::ChunkStore1(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChunkStore1::ChunkStore1(ChunkStore1&&) noexcept = default;
ChunkStore1& ChunkStore1::operator=(ChunkStore1&&) noexcept = default;
ChunkStore1::~ChunkStore1() = default;

ChunkStore1 ChunkStore1::open(const std::filesystem::path& chunks_dir) {
  auto index = open_env(chunks_dir / "index", {"locations", "meta"}, true);
  return ChunkStore1(
      std::unique_ptr<Impl>(new Impl{std::move(*index),
                                     open_env(chunks_dir / "segments", {"segments"}, false),
                                     open_env(chunks_dir / "lmdb", {"chunks"}, false),
                                     H0Packs1(chunks_dir / "hdf5"),
                                     {}}));
}

std::optional<Location1> ChunkStore1::find(const Digest1& id) const {
  auto v = impl_->index.txn.get(impl_->index.env.table("locations"), id.view());
  if (!v) return std::nullopt;
  return decode_location1(id, *v);
}

bool ChunkStore1::contains(const Digest1& id) const {
  return impl_->index.txn.get(impl_->index.env.table("locations"), id.view()).has_value();
}

ChunkTotals1 ChunkStore1::totals() const {
  ChunkTotals1 t;
  for (auto [k, v] : lmdb::range(impl_->index.txn, impl_->index.env.table("locations"))) {
    const Location1 loc = decode_location1(Digest1::from_bytes(k, "location index key"), v);
    ++t.chunks;
    t.stored_bytes += loc.stored_size;
    t.raw_bytes += loc.raw_size;
  }
  return t;
}

void ChunkStore1::read(const Digest1& id, MutableByteView out) {
  const auto loc = find(id);
  if (!loc) fail(ErrorCode::NotLocal, "chunk " + id.hex() + " is not local");
  if (out.size() != loc->raw_size)
    fail(ErrorCode::InvalidArgument, "chunk " + id.hex() + " holds " +
                                         std::to_string(loc->raw_size) + " bytes, not " +
                                         std::to_string(out.size()));
  ByteView stored;
  switch (static_cast<Backend1>(loc->backend)) {
    case Backend1::L0:
      stored = impl_->l0_bytes(id, *loc);
      break;
    case Backend1::L1:
      stored = impl_->l1_bytes(id, *loc);
      break;
    case Backend1::H0:
      stored = impl_->h0_bytes(*loc);
      break;
    default:
      fail(ErrorCode::Unsupported, "chunk " + id.hex() + " has backend code " +
                                       std::to_string(loc->backend) + ", unknown to format 1");
  }
  try {
    decode_chunk1(loc->codec, stored, out);
  } catch (const Error& e) {
    throw e.with_context("chunk " + id.hex());
  }
  const Digest1 got = digest1_of(out);
  if (got != id)
    fail(ErrorCode::Corrupt, "chunk " + id.hex() + ": digest mismatch, got " + got.hex());
}

}  // namespace hangar::format1
