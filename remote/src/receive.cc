// Receiving: spool files, chunk batches, direct handlers (receive.h).
#include "receive.h"

#include <fcntl.h>
#include <hangar/error.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace hangar::remote {
namespace {

constexpr std::size_t kSpoolBuffer = 1u << 20;
// A spooled record: type u8, codec u8, digest, raw u32, payload u32.
constexpr std::size_t kSpoolRawAt = 2 + Digest::kSize;
constexpr std::size_t kSpoolLenAt = kSpoolRawAt + 4;
constexpr std::size_t kSpoolHead = kSpoolLenAt + 4;

int open_temp(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  // Filesystems without O_TMPFILE: a named file, unlinked at once.
  std::string pattern = (dir / "spool-XXXXXX").string();
  fd = ::mkstemp(pattern.data());
  if (fd < 0) fail_errno(errno, "cannot create a temporary file in", dir.string());
  ::unlink(pattern.c_str());
  return fd;
}

void put_u32(std::byte* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}
std::uint32_t get_u32(const std::byte* in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{std::to_integer<std::uint8_t>(in[i])} << (8 * i);
  return v;
}

}  // namespace

std::filesystem::path temp_dir_of(const Repository& repo) {
  std::filesystem::path dir = repo.root() / ".hangar" / "tmp";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_errno(ec.value(), "cannot create folder", dir.string());
  return dir;
}

// ---- ChunkBatcher ----

ChunkBatcher::ChunkBatcher(Repository& repo)
    : write_([&repo](std::span<const storage::EncodedChunk> chunks) {
        return transfer::write_chunks(repo, chunks, transfer::ChunkCheck::AlreadyVerified);
      }) {}

ChunkBatcher::~ChunkBatcher() {
  if (!writer_.joinable()) return;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void ChunkBatcher::add(const transfer::StoredChunk& chunk) {
  batch_.push_back(storage::EncodedChunk{chunk.id, chunk.codec, chunk.raw_size,
                                         Bytes(chunk.stored.begin(), chunk.stored.end())});
  bytes_ += chunk.stored.size();
  ++added_;
  if (bytes_ >= kChunkBatchBytes) hand_over();
}

void ChunkBatcher::flush() {
  if (!batch_.empty()) hand_over();
  wait_idle();
}

void ChunkBatcher::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ChunkBatcher::hand_over() {
  wait_idle();
  if (!writer_.joinable()) {
    try {
      writer_ = std::thread([this] { run_writer(); });
    } catch (const std::system_error&) {  // no thread to be had: write here
      written_ += write_(batch_);
      batch_.clear();
      bytes_ = 0;
      return;
    }
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    writing_.swap(batch_);
    busy_ = true;
  }
  wake_.notify_one();
  bytes_ = 0;  // batch_ is the writer's last, cleared one
}

void ChunkBatcher::run_writer() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || busy_; });
    if (!busy_) return;  // quit with nothing to write
    lock.unlock();
    std::size_t written = 0;
    std::exception_ptr error;
    try {
      written = write_(writing_);
    } catch (...) {
      error = std::current_exception();
    }
    writing_.clear();  // stored (or refused): its memory goes now
    lock.lock();
    written_ += written;
    error_ = error;
    busy_ = false;
    idle_.notify_one();
    if (quit_) return;
  }
}

// ---- Spool ----

struct Spool::File {
  std::filesystem::path dir;
  int fd = -1;
  Bytes buf;
  std::uint64_t records = 0;
  std::uint64_t size = 0;  // bytes written to fd

  explicit File(const std::filesystem::path& d) : dir(d), fd(open_temp(d)) {}
  ~File() {
    if (fd >= 0) ::close(fd);
  }
  void write_all(ByteView b) {
    while (!b.empty()) {
      ssize_t n = ::write(fd, b.data(), b.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "cannot write a temporary file in", dir.string());
      size += static_cast<std::uint64_t>(n);
      b = b.subspan(static_cast<std::size_t>(n));
    }
  }
  void append(std::uint8_t type, std::uint8_t codec, const Digest& id, std::uint32_t raw,
              ByteView payload) {
    std::byte head[kSpoolHead];
    head[0] = static_cast<std::byte>(type);
    head[1] = static_cast<std::byte>(codec);
    std::memcpy(head + 2, id.bytes.data(), Digest::kSize);
    put_u32(head + kSpoolRawAt, raw);
    put_u32(head + kSpoolLenAt, static_cast<std::uint32_t>(payload.size()));
    if (buf.size() + kSpoolHead + payload.size() > kSpoolBuffer) {
      write_all(buf);
      buf.clear();
    }
    buf.insert(buf.end(), head, head + kSpoolHead);
    if (payload.size() >= kSpoolBuffer) {
      write_all(buf);
      buf.clear();
      write_all(payload);
    } else {
      buf.insert(buf.end(), payload.begin(), payload.end());
    }
    ++records;
  }
  // Reads the file back in kSpoolBuffer pieces (two preads a record cost 12,000 syscalls for
  // workload A's push). A view returned by take() lives until the next take().
  struct Reader {
    File& file;
    std::uint64_t offset = 0;  // file offset of the end of buf
    std::size_t at = 0;        // next unread byte of buf
    Bytes buf;
    ByteView take(std::size_t n) {
      if (buf.size() - at < n) {
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(at));
        at = 0;
        const std::size_t have = buf.size();
        const std::uint64_t left = file.size - offset;
        if (left < n - have)
          fail(ErrorCode::Corrupt,
               "temporary transfer file in '" + file.dir.string() + "' is short");
        const std::size_t fill = static_cast<std::size_t>(
            std::min<std::uint64_t>(left, std::max(n, kSpoolBuffer) - have));
        buf.resize(have + fill);
        file.read_exact(offset, buf.data() + have, fill);
      }
      const ByteView out(buf.data() + at, n);
      at += n;
      return out;
    }
  };
  void read_exact(std::uint64_t& offset, std::byte* out, std::size_t n) {
    while (n > 0) {
      ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail_errno(errno, "cannot read a temporary file in", dir.string());
      if (got == 0)
        fail(ErrorCode::Corrupt, "temporary transfer file in '" + dir.string() + "' is short");
      out += got;
      n -= static_cast<std::size_t>(got);
      offset += static_cast<std::uint64_t>(got);
    }
  }
  template <typename Fn>
  void replay(Fn&& fn) {
    write_all(buf);
    buf.clear();
    buf.shrink_to_fit();
    Reader reader{*this, 0, 0, {}};
    for (std::uint64_t i = 0; i < records; ++i) {
      const ByteView head = reader.take(kSpoolHead);
      Digest id;
      std::memcpy(id.bytes.data(), head.data() + 2, Digest::kSize);
      const std::uint8_t type = std::to_integer<std::uint8_t>(head[0]);
      const std::uint8_t codec = std::to_integer<std::uint8_t>(head[1]);
      const std::uint32_t raw = get_u32(head.data() + kSpoolRawAt);
      const std::uint32_t len = get_u32(head.data() + kSpoolLenAt);
      if (len > storage::kMaxChunkBytes + storage::kMaxChunkBytes / 64 + 1024)
        fail(ErrorCode::Corrupt, "temporary transfer file in '" + dir.string() + "' is damaged");
      fn(type, codec, id, raw, reader.take(len));
    }
  }
};

Spool::Spool(const std::filesystem::path& dir)
    : objects_(std::make_unique<File>(dir)), chunks_(std::make_unique<File>(dir)) {}
Spool::~Spool() = default;

void Spool::on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) {
  objects_->append(static_cast<std::uint8_t>(type), 0, id,
                   static_cast<std::uint32_t>(canonical.size()), canonical);
}

void Spool::on_chunk(const transfer::StoredChunk& chunk) {
  chunks_->append(static_cast<std::uint8_t>(RecordType::Chunk),
                  static_cast<std::uint8_t>(chunk.codec), chunk.id, chunk.raw_size, chunk.stored);
}

void Spool::replay_objects(
    const std::function<void(transfer::ObjectType, const Digest&, ByteView)>& fn) {
  objects_->replay([&](std::uint8_t type, std::uint8_t, const Digest& id, std::uint32_t,
                       ByteView bytes) { fn(static_cast<transfer::ObjectType>(type), id, bytes); });
}

void Spool::replay_chunks(const std::function<void(const transfer::StoredChunk&)>& fn) {
  chunks_->replay(
      [&](std::uint8_t, std::uint8_t codec, const Digest& id, std::uint32_t raw, ByteView bytes) {
        fn(transfer::StoredChunk{id, static_cast<storage::ChunkCodec>(codec), raw, bytes});
      });
}

// ---- direct and checking handlers ----

void DirectHandler::on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) {
  if (!objects_) fail(ErrorCode::Corrupt, "a data transfer carried history object " + id.hex());
  objects_->put(type, id, canonical);
}

void DirectHandler::on_chunk(const transfer::StoredChunk& chunk) {
  if (!chunks_) fail(ErrorCode::Corrupt, "a history transfer carried data chunk " + chunk.id.hex());
  chunks_->add(chunk);
}

void RequestedChunks::on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) {
  (void)canonical;
  fail(ErrorCode::Corrupt, "pack from " + source_ + " is corrupt: a data transfer carried " +
                               std::string(object_type_name(type)) + " " + id.hex());
}

void RequestedChunks::on_chunk(const transfer::StoredChunk& chunk) {
  if (wanted_.erase(chunk.id) == 0)
    fail(ErrorCode::Corrupt, "pack from " + source_ + " is corrupt: chunk " + chunk.id.hex() +
                                 " was not requested (or sent twice)");
  ++received_;
  inner_.on_chunk(chunk);
  if (on_progress) on_progress();
}

}  // namespace hangar::remote
