// Backend "l1": chunks packed into LMDB segments (docs/format/location.md, "Backend l1").
//
// Segments are append-only: a segment is written once, whole, and never changed, so a location
// (segment, offset) stays valid for the life of the repository. A segment is the chunks' bytes
// back to back, then u32 end offset per chunk, then u32 chunk count (all LE). Ids grow by one from
// 1; the writer learns the next id from the last key at the start of every write txn (LMDB's
// writer mutex makes that txn exclusive across processes, so several processes may append). Segment
// 0 is never written: it is the location of every empty chunk. An id handed out for bytes that were
// never flushed may be reused after a crash or a failed flush; nothing was indexed there.
#include "lmdb_segment_store.h"

#include <hangar/base/checksum.h>
#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include <array>
#include <cstring>

namespace hangar::storage {
namespace {

constexpr std::size_t kRecordSize = 12;                          // u64 segment + u32 offset
constexpr std::uint64_t kReleaseEvery = std::uint64_t{4} << 20;  // bytes served per release

struct Record {
  std::uint64_t segment;
  std::uint32_t offset;
};

Bytes encode_record(Record r) {
  Encoder e;
  e.u64(r.segment);
  e.u32(r.offset);
  return e.take();
}

Record decode_record(const ChunkLocation& loc) {
  if (loc.backend_record.size() != kRecordSize)
    fail(ErrorCode::Corrupt,
         "chunk location for backend 'l1' has a " + std::to_string(loc.backend_record.size()) +
             "-byte record, expected 12",
         Hint{.action = HintAction::Fsck});
  // By hand, not with a Decoder: this runs once per chunk read.
  Record r{0, 0};
  for (int i = 7; i >= 0; --i)
    r.segment = (r.segment << 8) | std::to_integer<std::uint64_t>(loc.backend_record[i]);
  for (int i = 11; i >= 8; --i)
    r.offset = (r.offset << 8) | std::to_integer<std::uint32_t>(loc.backend_record[i]);
  if (r.segment == 0 && (r.offset != 0 || loc.stored_size != 0))
    fail(ErrorCode::Corrupt,
         "chunk location for backend 'l1' points into segment 0, which "
         "holds only empty chunks",
         Hint{.action = HintAction::Fsck});
  return r;
}

// Big-endian, so LMDB keeps segments in id order and appends go to the end of the tree.
std::array<std::byte, 8> key_of(std::uint64_t segment) {
  std::array<std::byte, 8> k{};
  for (int i = 7; i >= 0; --i, segment >>= 8) k[static_cast<std::size_t>(i)] = std::byte(segment);
  return k;
}

std::uint64_t id_of(ByteView key) {
  if (key.size() != 8)
    fail(ErrorCode::Corrupt, "segment key of " + std::to_string(key.size()) + " bytes, expected 8",
         Hint{.action = HintAction::Fsck});
  std::uint64_t v = 0;
  for (std::byte b : key) v = (v << 8) | std::to_integer<std::uint64_t>(b);
  return v;
}

std::uint32_t le32(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]) | std::to_integer<std::uint32_t>(p[1]) << 8 |
         std::to_integer<std::uint32_t>(p[2]) << 16 | std::to_integer<std::uint32_t>(p[3]) << 24;
}

// The chunk bytes of a segment (without its table of end offsets), nullopt when malformed.
std::optional<ByteView> data_of(ByteView segment) {
  if (segment.size() < 4) return std::nullopt;
  const std::uint64_t count = le32(segment.data() + segment.size() - 4);
  if (count > (segment.size() - 4) / 4) return std::nullopt;
  return segment.first(segment.size() - 4 - 4 * count);
}

// The chunk's bytes inside its segment, or nullopt when the segment is missing or too short.
std::optional<ByteView> slice(std::optional<ByteView> segment, Record r, const ChunkLocation& loc) {
  if (!segment) return std::nullopt;
  const auto data = data_of(*segment);
  if (!data || r.offset > data->size() || loc.stored_size > data->size() - r.offset)
    return std::nullopt;
  return data->subspan(r.offset, loc.stored_size);
}

// True if [offset, offset + size) is exactly one chunk of the segment.
bool is_chunk(ByteView segment, Record r, std::uint32_t size) {
  const auto data = data_of(segment);
  if (!data) return false;
  const std::size_t count = (segment.size() - 4 - data->size()) / 4;
  const std::byte* ends = segment.data() + data->size();
  // Binary search for the chunk ending at offset + size; the one before it must end at offset.
  const std::uint64_t end = std::uint64_t{r.offset} + size;
  std::size_t lo = 0, hi = count;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (le32(ends + 4 * mid) < end)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == count || le32(ends + 4 * lo) != end || end > data->size()) return false;
  const std::uint32_t start = lo == 0 ? 0 : le32(ends + 4 * (lo - 1));
  return start == r.offset;
}

[[noreturn]] void missing(Record r, const ChunkLocation& loc, const lmdb::Env& env) {
  fail(ErrorCode::Corrupt,
       "segment " + std::to_string(r.segment) + " of '" + env.path().string() +
           "' is missing or shorter than offset " + std::to_string(r.offset) + " + " +
           std::to_string(loc.stored_size),
       Hint{.action = HintAction::Fsck});
}

class SegmentReader final : public ChunkStore::Reader {
 public:
  SegmentReader(const lmdb::Env* env, lmdb::Table table) : env_(env), table_(table) {}

  ByteView stored(const ChunkLocation& loc) override {
    const Record r = decode_record(loc);
    if (r.segment == 0) return {};
    if (served_ >= kReleaseEvery) {
      served_ = 0;
      env_->release_mapped_pages();  // views stay valid: pages fault back in from the cache
    }
    served_ += loc.stored_size;
    if (!txn_) {
      txn_.emplace(env_->begin_read());
    } else if (txn_->is_reset()) {
      txn_->renew();
      cached_ = 0;
    }
    auto bytes = slice(segment(r.segment), r, loc);
    if (!bytes) {  // written after our snapshot was taken?
      refresh();
      bytes = slice(segment(r.segment), r, loc);
      if (!bytes) missing(r, loc, *env_);
    }
    return *bytes;
  }
  void refresh() override {
    cached_ = 0;
    if (txn_) txn_->refresh();
  }
  void release() noexcept override {
    cached_ = 0;
    if (txn_) txn_->reset();
  }

 private:
  // Consecutive chunks usually share a segment: remember the last one (valid with the txn).
  std::optional<ByteView> segment(std::uint64_t id) {
    if (id != cached_) {
      const auto key = key_of(id);
      auto v = txn_->get(table_, ByteView(key.data(), key.size()));
      if (!v) return std::nullopt;
      cached_ = id;
      cached_view_ = *v;
    }
    return cached_view_;
  }

  const lmdb::Env* env_;
  lmdb::Table table_;
  std::optional<lmdb::ReadTxn> txn_;
  std::uint64_t cached_ = 0;
  ByteView cached_view_;
  std::uint64_t served_ = 0;
};

}  // namespace

std::unique_ptr<LmdbSegmentStore> LmdbSegmentStore::open(const std::filesystem::path& chunks_dir,
                                                         bool read_only) {
  lmdb::EnvOptions options;
  options.read_only = read_only;
  options.no_meta_sync = true;  // flush() syncs the meta page itself; write_back() need not
  return std::make_unique<LmdbSegmentStore>(
      lmdb::Env::open(chunks_dir / kDirName, {kTable}, options));
}

LmdbSegmentStore::LmdbSegmentStore(lmdb::Env env)
    : env_(std::move(env)), table_(env_.table(kTable)) {}

ChunkLocation LmdbSegmentStore::append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                                       ByteView stored) {
  if (stored.size() > kMaxChunkBytes || raw_size > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument, "chunk " + id.hex() + " exceeds the chunk size limit");
  Record r{0, 0};
  if (!stored.empty()) {
    try {
      if (!pending_) {
        pending_.emplace(env_.begin_write());
        next_ = 0;  // another process (a lazy reader) may have added segments since
      }
      if (next_ == 0) {
        auto last = pending_->cursor(table_).last();
        next_ = last ? id_of(last->key) + 1 : 1;
      }
      if (!open_.empty() && open_.size() + stored.size() > kSegmentTarget) close_segment();
    } catch (...) {
      drop_pending();
      throw;
    }
    if (open_.capacity() == 0) open_.reserve(kSegmentTarget);
    r = Record{next_, static_cast<std::uint32_t>(open_.size())};
    open_.insert(open_.end(), stored.begin(), stored.end());
    ends_.push_back(static_cast<std::uint32_t>(open_.size()));
  }
  return ChunkLocation{BackendCode::LmdbSegments,
                       codec,
                       raw_size,
                       static_cast<std::uint32_t>(stored.size()),
                       encode_record(r),
                       xxh3_64(stored)};
}

void LmdbSegmentStore::close_segment() {
  if (open_.empty()) return;
  const auto key = key_of(next_);
  const std::size_t size = open_.size() + 4 * ends_.size() + 4;
  MutableByteView dst = pending_->put_reserve(table_, ByteView(key.data(), key.size()), size);
  std::memcpy(dst.data(), open_.data(), open_.size());
  std::byte* p = dst.data() + open_.size();
  auto put32 = [&p](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<std::byte>(v >> (8 * i));
  };
  for (std::uint32_t end : ends_) put32(end);
  put32(static_cast<std::uint32_t>(ends_.size()));
  open_.clear();
  ends_.clear();
  ++next_;
}

void LmdbSegmentStore::drop_pending() noexcept {
  pending_.reset();  // an LMDB error poisons the txn; drop it whole
  open_.clear();
  ends_.clear();
  next_ = 0;  // the dropped ids may be handed out again
}

void LmdbSegmentStore::write_back() {
  if (!pending_) return;
  try {
    close_segment();
    lmdb::WriteTxn txn = std::move(*pending_);
    pending_.reset();
    txn.commit();
  } catch (...) {
    drop_pending();
    throw;
  }
  // The commit read B-tree pages through the map: do not let a long import keep them mapped.
  env_.release_mapped_pages();
}

void LmdbSegmentStore::flush() {
  write_back();
  env_.sync();
}

void LmdbSegmentStore::read(const ChunkLocation& loc, MutableByteView out) const {
  if (out.size() != loc.stored_size)
    fail(ErrorCode::InvalidArgument, "chunk read buffer has " + std::to_string(out.size()) +
                                         " bytes, the chunk stores " +
                                         std::to_string(loc.stored_size));
  const Record r = decode_record(loc);
  if (r.segment == 0) return;
  lmdb::ReadTxn txn = env_.begin_read();
  const auto key = key_of(r.segment);
  auto bytes = slice(txn.get(table_, ByteView(key.data(), key.size())), r, loc);
  if (!bytes) missing(r, loc, env_);
  if (!bytes->empty()) std::memcpy(out.data(), bytes->data(), bytes->size());
}

bool LmdbSegmentStore::verify(const ChunkLocation& loc) const {
  if (loc.backend_record.size() != kRecordSize) return false;
  Record r{};
  try {
    r = decode_record(loc);
  } catch (const Error&) {
    return false;
  }
  if (r.segment == 0) return true;
  lmdb::ReadTxn txn = env_.begin_read();
  const auto key = key_of(r.segment);
  const auto segment = txn.get(table_, ByteView(key.data(), key.size()));
  return segment && is_chunk(*segment, r, loc.stored_size);
}

std::pair<std::uint64_t, std::uint64_t> LmdbSegmentStore::place_of(const ChunkLocation& loc) const {
  const Record r = decode_record(loc);
  return {r.segment, r.offset};
}

std::optional<std::uint64_t> LmdbSegmentStore::container_of(const ChunkLocation& loc) const {
  const Record r = decode_record(loc);
  if (r.segment == 0) return std::nullopt;
  return r.segment;
}

void LmdbSegmentStore::delete_containers(std::span<const std::uint64_t> ids) {
  if (ids.empty()) return;
  env_.write([&](lmdb::WriteTxn& txn) {
    auto last = txn.cursor(table_).last();
    const std::uint64_t last_id = last ? id_of(last->key) : 0;
    for (std::uint64_t id : ids) {
      if (id == 0) continue;
      const auto key = key_of(id);
      const ByteView k(key.data(), key.size());
      if (id == last_id)
        txn.put(table_, k, ByteView{});  // the tombstone keeps the id taken
      else
        txn.del(table_, k);
    }
  });
  env_.sync();
}

std::vector<ChunkStore::ContainerInfo> LmdbSegmentStore::containers(bool with_stored_bytes) const {
  constexpr std::uint64_t kPage = 4096;  // LMDB's page on Linux: a large value takes whole pages
  // Reading a segment's tail maps its last page, and with the page cache's large folios the
  // kernel may map a megabyte around it: drop the mappings every so often (the resident set
  // of a census stays flat, as for readers).
  constexpr std::size_t kReleaseEverySegments = 16;
  std::vector<ContainerInfo> out;
  lmdb::ReadTxn txn = env_.begin_read();
  for (auto [key, value] : lmdb::range(txn, table_)) {
    if (value.empty()) continue;  // the tombstone of the highest id
    ContainerInfo info;
    info.id = id_of(key);
    info.disk_bytes = (value.size() + 16 + kPage - 1) / kPage * kPage;  // + the page header
    if (with_stored_bytes) {  // only the size otherwise: the value's pages are not touched
      if (const auto data = data_of(value))
        info.stored_bytes = data->size();
      else
        info.readable = false;
      if (out.size() % kReleaseEverySegments == kReleaseEverySegments - 1)
        env_.release_mapped_pages();
    }
    out.push_back(info);
  }
  if (with_stored_bytes) env_.release_mapped_pages();
  return out;
}

std::unique_ptr<ChunkStore::Reader> LmdbSegmentStore::open_reader() const {
  return std::make_unique<SegmentReader>(&env_, table_);
}

}  // namespace hangar::storage
