// Backend "h0": chunks in write-once HDF5 pack files (layout in hdf5_chunk_store.h).
//
// Durability: flush() = HDF5 flush + close of the pack, then fsync of the file and of the
// directory; only then may Chunks commit the locations. A pack is never reopened for writing,
// so a crash while a later pack is being written cannot touch indexed chunks. An unflushed pack
// is deleted when the store is destroyed or an append fails; one left by a crash holds only
// unindexed chunks (garbage for gc).
#include "hdf5_chunk_store.h"

#include <fcntl.h>
#include <hangar/base/checksum.h>
#include <hangar/base/encoding.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "hdf5_handle.h"
#include "hdf5_pack.h"

namespace hangar::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRecordSize = 16;

struct Record {
  std::uint64_t pack = 0;  // 0: empty chunk, nothing stored
  std::uint64_t row = 0;
};

Bytes encode_record(const Record& r) {
  Encoder e;
  e.u64(r.pack);
  e.u64(r.row);
  return e.take();
}

Record decode_record(const ChunkLocation& loc) {
  if (loc.backend_record.size() != kRecordSize)
    fail(ErrorCode::Corrupt,
         "chunk location for backend 'h0' has a " + std::to_string(loc.backend_record.size()) +
             "-byte record, expected 16",
         Hint{.action = HintAction::Fsck});
  Decoder d(loc.backend_record, "h0 record");
  Record r;
  r.pack = d.u64("pack");
  r.row = d.u64("row");
  if (r.pack == 0 && (loc.raw_size != 0 || loc.stored_size != 0 || r.row != 0))
    fail(ErrorCode::Corrupt,
         "chunk location for backend 'h0' names pack 0 for a non-empty "
         "chunk",
         Hint{.action = HintAction::Fsck});
  return r;
}

void fsync_path(const fs::path& path, bool directory) {
  ScopedFd fd(::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) fail_errno(errno, "cannot open", path.string());
  if (::fsync(fd.get()) != 0) fail_errno(errno, "cannot fsync", path.string());
}

}  // namespace

struct Hdf5ChunkStore::Impl {
  fs::path dir;
  bool read_only = false;
  bool dir_synced = false;  // the parent entry of a newly created directory is durable

  // Writer state (one writer thread).
  std::optional<h5::PackWriter> writer;
  std::uint64_t writer_id = 0;
  std::uint64_t last_id = 0;  // highest pack id seen or created

  // Reader cache, shared by read()/verify() from any thread; guarded by h5::library_mutex().
  mutable std::unordered_map<std::uint64_t, h5::PackReader> packs;
  mutable std::uint64_t clock = 0;

  fs::path path_of(std::uint64_t id) const { return dir / h5::pack_file_name(id); }

  std::uint64_t scan_last_id() const {
    std::uint64_t last = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      last = std::max(last, h5::parse_pack_file_name(entry.path().filename().string()));
    if (ec) fail_errno(ec.value(), "cannot list", dir.string());
    return last;
  }

  h5::PackWriter& start_pack() {
    if (writer) return *writer;
    last_id = std::max(last_id, scan_last_id());
    for (int attempt = 0; attempt < 16; ++attempt) {
      const std::uint64_t id = ++last_id;
      try {
        writer.emplace(h5::PackWriter::create(path_of(id)));
        writer_id = id;
        return *writer;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::AlreadyExists) throw;  // another process took it: next id
      }
    }
    fail(ErrorCode::Io, "cannot create a new hdf5 pack in '" + dir.string() + "'");
  }

  void drop_writer() noexcept {
    if (!writer) return;
    writer->abandon();
    std::error_code ec;
    fs::remove(writer->path(), ec);
    writer.reset();
  }

  h5::PackReader& pack(std::uint64_t id) const {
    auto it = packs.find(id);
    if (it == packs.end()) {
      if (packs.size() >= kMaxOpenPacks) {
        auto oldest = packs.begin();
        for (auto p = packs.begin(); p != packs.end(); ++p)
          if (p->second.last_use < oldest->second.last_use) oldest = p;
        packs.erase(oldest);
      }
      it = packs.emplace(id, h5::PackReader::open(path_of(id))).first;
    }
    it->second.last_use = ++clock;
    return it->second;
  }
};

Hdf5ChunkStore::Hdf5ChunkStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Hdf5ChunkStore::~Hdf5ChunkStore() {
  if (!impl_) return;
  h5::Session session;
  impl_->drop_writer();  // unflushed chunks were never indexed
  impl_->packs.clear();
}

std::unique_ptr<Hdf5ChunkStore> Hdf5ChunkStore::open(const fs::path& chunks_dir, bool read_only) {
  auto impl = std::make_unique<Impl>();
  impl->dir = chunks_dir / kDirName;
  impl->read_only = read_only;
  std::error_code ec;
  if (!fs::is_directory(impl->dir, ec)) {
    if (read_only) fail(ErrorCode::NotFound, "no hdf5 chunk store at '" + impl->dir.string() + "'");
    if (!fs::create_directories(impl->dir, ec) && ec)
      fail_errno(ec.value(), "cannot create", impl->dir.string());
  }
  return std::unique_ptr<Hdf5ChunkStore>(new Hdf5ChunkStore(std::move(impl)));
}

const fs::path& Hdf5ChunkStore::dir() const noexcept { return impl_->dir; }

fs::path Hdf5ChunkStore::pack_path(const ChunkLocation& loc) const {
  return impl_->path_of(decode_record(loc).pack);
}

ChunkLocation Hdf5ChunkStore::append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                                     ByteView stored) {
  if (impl_->read_only)
    fail(ErrorCode::Internal, "append to read-only hdf5 chunk store '" + impl_->dir.string() + "'");
  if (stored.size() > kMaxChunkBytes || raw_size > kMaxChunkBytes)
    fail(ErrorCode::InvalidArgument, "chunk " + id.hex() + " exceeds the chunk size limit");
  Bytes transcoded;
  if (codec != ChunkCodec::Raw && codec != ChunkCodec::Zstd) {
    // Every row must be readable by any HDF5 program with filter 32015 alone, so chunks of
    // other codecs (e.g. zstd-delta) are stored as plain zstd; the location says so.
    Bytes raw(raw_size);  // <= kMaxChunkBytes, checked above
    decode_chunk(codec, stored, raw);
    EncodedChunk again = encode_chunk(raw, kDefaultZstdLevel);
    if (again.digest != id)
      fail(ErrorCode::InvalidArgument, "chunk " + id.hex() + " decodes to other bytes (" +
                                           again.digest.hex() + "); not stored");
    codec = again.codec;
    transcoded = std::move(again.stored);
    stored = transcoded;
  }
  const auto stored_size = static_cast<std::uint32_t>(stored.size());
  if (raw_size == 0) {  // HDF5 has no zero-length rows; an empty chunk needs no storage
    if (!stored.empty() || codec != ChunkCodec::Raw)
      fail(ErrorCode::InvalidArgument,
           "chunk " + id.hex() + " is empty but has " + std::to_string(stored.size()) +
               " stored bytes; the hdf5 backend stores empty chunks only as raw");
    return ChunkLocation{BackendCode::Hdf5, codec, 0, 0, encode_record({}), xxh3_64({})};
  }
  h5::Session session;
  try {
    h5::PackWriter& w = impl_->start_pack();
    const std::uint64_t row = w.append(id, codec, raw_size, stored);
    return ChunkLocation{
        BackendCode::Hdf5, codec, raw_size, stored_size, encode_record({impl_->writer_id, row}),
        xxh3_64(stored)};
  } catch (...) {
    impl_->drop_writer();
    throw;
  }
}

void Hdf5ChunkStore::flush() {
  h5::Session session;
  if (!impl_->writer) return;
  try {
    impl_->writer->finish();
    const fs::path path = impl_->writer->path();
    fsync_path(path, false);
    fsync_path(impl_->dir, true);
    if (!impl_->dir_synced) {  // the hdf5/ entry itself, created by open()
      fsync_path(impl_->dir.parent_path(), true);
      impl_->dir_synced = true;
    }
    impl_->writer.reset();
  } catch (...) {
    impl_->drop_writer();
    throw;
  }
}

std::pair<std::uint64_t, std::uint64_t> Hdf5ChunkStore::place_of(const ChunkLocation& loc) const {
  const Record r = decode_record(loc);
  return {r.pack, r.row};
}

std::optional<std::uint64_t> Hdf5ChunkStore::container_of(const ChunkLocation& loc) const {
  const Record r = decode_record(loc);
  if (r.pack == 0) return std::nullopt;
  return r.pack;
}

void Hdf5ChunkStore::delete_containers(std::span<const std::uint64_t> ids) {
  if (ids.empty()) return;
  h5::Session session;
  const std::uint64_t last = impl_->scan_last_id();
  for (std::uint64_t id : ids) {
    if (id == 0) continue;
    impl_->packs.erase(id);  // closes our handle on it
    const fs::path path = impl_->path_of(id);
    if (id == last) {
      std::error_code ec;
      if (fs::exists(path, ec)) write_file_atomic(path, ByteView{});  // fsyncs the directory
      continue;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      fail_errno(errno, "cannot delete", path.string());
  }
  fsync_path(impl_->dir, true);
}

std::vector<ChunkStore::ContainerInfo> Hdf5ChunkStore::containers(bool with_stored_bytes) const {
  std::vector<ContainerInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(impl_->dir, ec)) {
    const std::uint64_t id = h5::parse_pack_file_name(entry.path().filename().string());
    if (id == 0 || (impl_->writer && id == impl_->writer_id)) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || st.st_size == 0) continue;  // gone; tombstone
    ContainerInfo info;
    info.id = id;
    info.disk_bytes = static_cast<std::uint64_t>(st.st_blocks) * 512;
    out.push_back(info);
  }
  if (ec) fail_errno(ec.value(), "cannot list", impl_->dir.string());
  std::sort(out.begin(), out.end(),
            [](const ContainerInfo& a, const ContainerInfo& b) { return a.id < b.id; });
  if (!with_stored_bytes) return out;
  h5::Session session;
  for (ContainerInfo& info : out) {
    try {
      // Not through the reader cache: one pass over every pack would evict the packs in use.
      info.stored_bytes = h5::PackReader::open(impl_->path_of(info.id)).stored_bytes();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Corrupt) throw;
      info.readable = false;
    }
  }
  return out;
}

void Hdf5ChunkStore::read(const ChunkLocation& loc, MutableByteView out) const {
  if (out.size() != loc.stored_size)
    fail(ErrorCode::InvalidArgument, "chunk read buffer has " + std::to_string(out.size()) +
                                         " bytes, the chunk stores " +
                                         std::to_string(loc.stored_size));
  const Record r = decode_record(loc);
  if (r.pack == 0) return;  // empty chunk
  h5::Session session;
  impl_->pack(r.pack).read(loc.raw_size, r.row, loc.codec, out);
}

bool Hdf5ChunkStore::verify(const ChunkLocation& loc) const {
  try {
    const Record r = decode_record(loc);
    if (r.pack == 0) return true;
    h5::Session session;
    return impl_->pack(r.pack).stored_size(loc.raw_size, r.row) ==
           static_cast<std::int64_t>(loc.stored_size);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Corrupt) return false;
    throw;
  }
}

}  // namespace hangar::storage
