// Location index: digest -> encoded ChunkLocation ("locations"), totals in "meta"/"stats".
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/storage/location_index.h>

namespace hangar::storage {
namespace {
constexpr const char* kLocationsTable = "locations";
constexpr const char* kMetaTable = "meta";
constexpr std::string_view kStatsKey = "stats";

ChunkStats decode_stats(std::optional<ByteView> v) {
  ChunkStats s;
  if (!v) return s;
  Decoder d(*v, "chunk index stats");
  s.chunks = d.u64("chunks");
  s.stored_bytes = d.u64("stored_bytes");
  s.raw_bytes = d.u64("raw_bytes");
  d.expect_end();
  return s;
}

Bytes encode_stats(const ChunkStats& s) {
  Encoder e;
  e.u64(s.chunks);
  e.u64(s.stored_bytes);
  e.u64(s.raw_bytes);
  return e.take();
}

ChunkLocation decode_at(ByteView value, const Digest& digest) {
  try {
    return decode_location(value);
  } catch (const Error& e) {
    throw e.with_context("chunk " + digest.hex());
  }
}
}  // namespace

LocationIndex::LocationIndex(lmdb::Env env)
    : env_(std::move(env)),
      locations_(env_.table(kLocationsTable)),
      meta_(env_.table(kMetaTable)) {}

LocationIndex LocationIndex::open(const std::filesystem::path& dir, bool read_only,
                                  const lmdb::EnvOptions& base) {
  lmdb::EnvOptions options = base;
  options.read_only = read_only;
  return LocationIndex(lmdb::Env::open(dir, {kLocationsTable, kMetaTable}, options));
}

std::optional<ChunkLocation> LocationIndex::find(const lmdb::Txn& txn, const Digest& digest) const {
  auto v = txn.get(locations_, digest.view());
  if (!v) return std::nullopt;
  return decode_at(*v, digest);
}

std::optional<ChunkLocation> LocationIndex::find(const Digest& digest) const {
  lmdb::ReadTxn txn = begin_read();
  return find(txn, digest);
}

bool LocationIndex::contains(const lmdb::Txn& txn, const Digest& digest) const {
  return txn.get(locations_, digest.view()).has_value();
}

std::size_t LocationIndex::commit(std::span<const std::pair<Digest, ChunkLocation>> entries) {
  std::size_t added = 0;
  env_.write([&](lmdb::WriteTxn& txn) {
    added = 0;  // replayed from scratch after a map grow
    ChunkStats s = decode_stats(txn.get(meta_, as_bytes(kStatsKey)));
    for (const auto& [digest, loc] : entries) {
      if (!txn.put_if_absent(locations_, digest.view(), encode_location(loc))) continue;
      ++added;
      ++s.chunks;
      s.stored_bytes += loc.stored_size;
      s.raw_bytes += loc.raw_size;
    }
    if (added > 0) txn.put(meta_, as_bytes(kStatsKey), encode_stats(s));
  });
  return added;
}

std::size_t LocationIndex::remove(std::span<const Digest> digests) {
  std::size_t removed = 0;
  env_.write([&](lmdb::WriteTxn& txn) {
    removed = 0;
    ChunkStats s = decode_stats(txn.get(meta_, as_bytes(kStatsKey)));
    for (const Digest& digest : digests) {
      auto v = txn.get(locations_, digest.view());
      if (!v) continue;
      ChunkLocation loc = decode_at(*v, digest);
      txn.del(locations_, digest.view());
      ++removed;
      s.chunks -= s.chunks > 0 ? 1 : 0;
      s.stored_bytes -= std::min<std::uint64_t>(s.stored_bytes, loc.stored_size);
      s.raw_bytes -= std::min<std::uint64_t>(s.raw_bytes, loc.raw_size);
    }
    if (removed > 0) txn.put(meta_, as_bytes(kStatsKey), encode_stats(s));
  });
  return removed;
}

std::size_t LocationIndex::relocate(std::span<const Move> moves) {
  std::size_t applied = 0;
  env_.write([&](lmdb::WriteTxn& txn) {
    applied = 0;
    ChunkStats s = decode_stats(txn.get(meta_, as_bytes(kStatsKey)));
    for (const Move& m : moves) {
      auto v = txn.get(locations_, m.digest.view());
      if (!v || decode_at(*v, m.digest) != m.from) continue;
      txn.put(locations_, m.digest.view(), encode_location(m.to));
      ++applied;
      s.stored_bytes -= std::min<std::uint64_t>(s.stored_bytes, m.from.stored_size);
      s.stored_bytes += m.to.stored_size;
    }
    if (applied > 0) txn.put(meta_, as_bytes(kStatsKey), encode_stats(s));
  });
  return applied;
}

ChunkStats LocationIndex::stats(const lmdb::Txn& txn) const {
  return decode_stats(txn.get(meta_, as_bytes(kStatsKey)));
}

ChunkStats LocationIndex::stats() const {
  lmdb::ReadTxn txn = begin_read();
  return stats(txn);
}

void LocationIndex::for_each(
    const lmdb::Txn& txn,
    const std::function<void(const Digest&, const ChunkLocation&)>& fn) const {
  for (auto [key, value] : lmdb::range(txn, locations_)) {
    if (key.size() != Digest::kSize)
      fail(ErrorCode::Corrupt,
           "chunk index '" + env_.path().string() + "' has a " + std::to_string(key.size()) +
               "-byte key, expected " + std::to_string(Digest::kSize),
           Hint{.action = HintAction::Fsck});
    Digest digest = Digest::from_bytes(key);
    fn(digest, decode_at(value, digest));
  }
}

}  // namespace hangar::storage
