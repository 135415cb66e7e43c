// Chunks facade: dedup, durable writes, verified reads over the location index and backends.
//
// Durability order (DESIGN "Durability", STYLE 8.4). A write goes:
//   1. append every new chunk to its backend   (bytes written, not yet durable)
//   2. backend flush()                          (bytes durable: fsync / LMDB commit)
//   3. ONE location-index commit                (the chunks become "local")
// A crash or error before 3 leaves the index exactly as it was: the appended bytes are then
// unreferenced garbage that gc may reclaim, never a location pointing at missing bytes. A
// location is therefore only ever committed for bytes that are already on disk. Readers look a
// digest up in the index first, so they can never see a chunk whose bytes are not flushed.
//
// stage() splits step 1 over many calls for a long import: each call appends and write_back()s
// (bytes handed to the backend, memory freed, not yet durable) and keeps the locations in
// memory; the next write()/commit_staged() does 2 and 3 once for all of them. An import of
// thousands of files thus costs a handful of fsyncs instead of three per batch, and the rule
// above still holds: nothing is indexed before the flush that makes its bytes durable.
#include <hangar/base/checksum.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/storage/chunks.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

#include "chunks_state.h"

namespace hangar::storage {

namespace {
// ChunkReader::read_stored: reads of a chunk whose location keeps moving (reclaims).
constexpr int kReadAttempts = 4;

std::string hex64(std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kHex[v & 0xF];
  return out;
}

void validate(const EncodedChunk& c) {
  const auto problem = [&](const std::string& what) {
    fail(ErrorCode::InvalidArgument, "cannot store chunk " + c.digest.hex() + ": " + what);
  };
  if (c.raw_size > kMaxChunkBytes) problem("raw size exceeds the chunk limit");
  if (c.stored.size() > kMaxChunkBytes) problem("stored size exceeds the chunk limit");
  if (!is_known_codec(static_cast<std::uint8_t>(c.codec))) problem("unknown codec");
  if (c.codec == ChunkCodec::Raw && c.stored.size() != c.raw_size)
    problem("raw chunk whose stored size differs from its raw size");
}

}  // namespace

Chunks::Chunks(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Chunks::Chunks(Chunks&&) noexcept = default;
Chunks& Chunks::operator=(Chunks&&) noexcept = default;
Chunks::~Chunks() = default;

Chunks Chunks::open(const std::filesystem::path& chunks_dir, bool read_only) {
  std::error_code ec;
  if (read_only && !std::filesystem::is_directory(chunks_dir, ec))
    fail(ErrorCode::NotFound,
         "no chunk store at '" + chunks_dir.string() + "'; is this a hangar repository?");
  if (!read_only) {
    std::filesystem::create_directories(chunks_dir, ec);
    if (ec) fail_errno(ec.value(), "cannot create", chunks_dir.string());
  }
  // Taken before any env is opened and released after all are closed (State's first member).
  OpenLock lock = OpenLock::acquire_shared(chunks_dir / kOpenLockFile);
  return Chunks(State::open(chunks_dir, read_only, std::move(lock)));
}

std::unique_ptr<Chunks::State> Chunks::State::open(const std::filesystem::path& chunks_dir,
                                                   bool read_only, OpenLock lock) {
  auto state = std::make_unique<State>(State{
      .lock = std::move(lock),
      .dir = chunks_dir,
      .read_only = read_only,
      .index = LocationIndex::open(chunks_dir / kIndexDir, read_only),
  });
  for (BackendCode code : kKnownBackends) {
    try {
      state->backends[code] = open_backend(code, chunks_dir, read_only);
    } catch (const Error& e) {
      // A read-only open of a repository whose writer never used this backend: no data there.
      if (!(read_only && e.code() == ErrorCode::NotFound)) throw;
    }
  }
  return state;
}

Chunks Chunks::open_with_backend(const std::filesystem::path& chunks_dir,
                                 std::unique_ptr<ChunkStore> backend) {
  Chunks chunks = open(chunks_dir, false);
  const BackendCode code = backend->code();
  chunks.state_->backends[code] = std::move(backend);
  return chunks;
}

std::size_t Chunks::append_new(std::span<const EncodedChunk> chunks, BackendCode backend) {
  State& s = *state_;
  if (s.read_only)
    fail(ErrorCode::Internal, "write to read-only chunk store '" + s.dir.string() + "'");
  if (!is_known_backend(backend)) open_backend(backend, s.dir, true);  // Unsupported
  ChunkStore& store = s.backend(backend);
  for (const EncodedChunk& c : chunks) validate(c);

  const std::size_t before = s.staged.size();
  try {
    lmdb::ReadTxn txn = s.index.begin_read();
    for (const EncodedChunk& c : chunks) {
      if (s.staged_ids.count(c.digest)) continue;
      // Digests are random: each lookup maps a page of the index and what the page cache holds
      // around it. A long import would map all of it; this keeps about the budget.
      s.lookup_budget.step(s.index.env());
      if (s.index.contains(txn, c.digest)) continue;
      s.staged.emplace_back(c.digest, store.append(c.digest, c.codec, c.raw_size, c.stored));
      s.staged_ids.insert(c.digest);
    }
    if (s.staged.size() > before) {
      s.staged_backends.insert(backend);
      s.unwritten_backends.insert(backend);
    }
  } catch (...) {
    drop_unwritten();
    throw;
  }
  return s.staged.size() - before;
}

void Chunks::drop_unwritten() noexcept {
  // Appends not written back are gone with the backends' pending state: forget them.
  State& s = *state_;
  for (std::size_t i = s.written_back; i < s.staged.size(); ++i)
    s.staged_ids.erase(s.staged[i].first);
  s.staged.resize(s.written_back);
  s.unwritten_backends.clear();
}

std::size_t Chunks::stage(std::span<const EncodedChunk> chunks, BackendCode backend) {
  return append_new(chunks, backend);
}

void Chunks::write_back() {
  State& s = *state_;
  try {
    for (BackendCode code : s.unwritten_backends) s.backend(code).write_back();
  } catch (...) {
    discard_staged();
    throw;
  }
  s.unwritten_backends.clear();
  s.written_back = s.staged.size();
}

std::size_t Chunks::write(std::span<const EncodedChunk> chunks, BackendCode backend) {
  append_new(chunks, backend);
  return commit_staged();
}

std::size_t Chunks::commit_staged() {
  State& s = *state_;
  if (s.staged.empty()) return 0;
  try {
    for (BackendCode code : s.staged_backends) s.backend(code).flush();  // bytes durable ...
    failpoint("chunks-flushed");
    const std::size_t added = s.index.commit(s.staged);  // ... then referenced
    failpoint("chunks-indexed");
    discard_staged();
    return added;
  } catch (...) {
    discard_staged();
    throw;
  }
}

void Chunks::discard_staged() noexcept {
  state_->staged.clear();
  state_->staged_ids.clear();
  state_->staged_backends.clear();
  state_->unwritten_backends.clear();
  state_->written_back = 0;
}

void Chunks::release_mapped_pages() const noexcept {
  state_->index.env().release_mapped_pages();
  for (const auto& [code, store] : state_->backends) store->release_mapped_pages();
}

bool Chunks::contains(const Digest& digest) const {
  lmdb::ReadTxn txn = state_->index.begin_read();
  return state_->index.contains(txn, digest);
}

std::vector<Digest> Chunks::missing(std::span<const Digest> digests) const {
  std::vector<Digest> out;
  std::unordered_set<Digest> seen;
  lmdb::ReadTxn txn = state_->index.begin_read();
  for (const Digest& d : digests)
    if (seen.insert(d).second && !state_->index.contains(txn, d)) out.push_back(d);
  return out;
}

std::optional<ChunkLocation> Chunks::find(const Digest& digest) const {
  return state_->index.find(digest);
}

ChunkStats Chunks::stats() const { return state_->index.stats(); }

ChunkReader Chunks::reader() const { return ChunkReader(state_.get()); }

std::vector<std::pair<Digest, std::string>> Chunks::verify_all(
    bool rehash, const std::function<void(std::uint64_t, std::uint64_t)>& progress) const {
  constexpr std::uint64_t kProgressEvery = 256;  // chunks between progress calls
  std::vector<std::pair<Digest, std::string>> bad;
  const std::uint64_t total = progress ? stats().stored_bytes : 0;
  std::uint64_t done = 0, seen = 0;
  ChunkReader reader(state_.get());
  Bytes buffer;
  lmdb::ReadTxn txn = state_->index.begin_read();
  // The walk reads the whole index forward: keep what it maps of it within a budget. Not the
  // backends': chunks come in digest order, so containers are visited at random, and a large
  // folio of a segment (up to 2 MiB mapped at one fault) would be released and mapped again
  // for nearly every chunk (12x the time at 10^6 chunks).
  lmdb::ResidentBudget budget(ChunkReader::kReleaseBytes, ChunkReader::kLookupsPerCheck);
  state_->index.for_each(txn, [&](const Digest& digest, const ChunkLocation& loc) {
    check_interrupt();
    budget.step(state_->index.env());
    done += loc.stored_size;
    if (progress && ++seen % kProgressEvery == 0) progress(done, std::max(done, total));
    try {
      if (!state_->backend(loc.backend).verify(loc)) {
        // A reclaim running meanwhile (gc in another process) may have moved or dropped the
        // chunk after our snapshot was taken: judge the newest location instead.
        const auto now = state_->index.find(digest);
        if (!now) return;
        if (*now == loc || !state_->backend(now->backend).verify(*now)) {
          bad.emplace_back(digest, "missing from backend '" + backend_code_name(loc.backend) +
                                       "' or has the wrong size");
          return;
        }
      }
      if (rehash) {
        buffer.resize(loc.raw_size);  // <= kMaxChunkBytes, checked by decode_location
        reader.read(digest, buffer, ReadCheck::Digest);
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Io || e.code() == ErrorCode::NoSpace) throw;
      bad.emplace_back(digest, e.what());
    }
  });
  if (progress) progress(done, std::max(done, total));
  return bad;
}

LocationIndex& Chunks::index() noexcept { return state_->index; }
const LocationIndex& Chunks::index() const noexcept { return state_->index; }
const std::filesystem::path& Chunks::dir() const noexcept { return state_->dir; }
bool Chunks::is_read_only() const noexcept { return state_->read_only; }

// ---- ChunkReader ----------------------------------------------------------------------------

struct ChunkReader::Impl {
  const Chunks::State* chunks;
  lmdb::ReadTxn index_txn;
  std::map<BackendCode, std::unique_ptr<ChunkStore::Reader>> readers{};
  // prefetch(): locations by digest, sorted by digest.
  std::vector<std::pair<Digest, ChunkLocation>> prefetched{};
  // What find_many() keeps mapped of the index, over all its calls.
  lmdb::ResidentBudget lookup_budget{kReleaseBytes, kLookupsPerCheck};

  Impl(const Chunks::State* c) : chunks(c), index_txn(c->index.begin_read()) { ++*c->readers; }
  ~Impl() {
    readers.clear();
    --*chunks->readers;
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ChunkStore::Reader& reader_for(BackendCode code) {
    auto it = readers.find(code);
    if (it == readers.end()) it = readers.emplace(code, chunks->backend(code).open_reader()).first;
    return *it->second;
  }
};

ChunkReader::ChunkReader(const Chunks::State* chunks) : impl_(std::make_unique<Impl>(chunks)) {}
ChunkReader::ChunkReader(ChunkReader&&) noexcept = default;
ChunkReader& ChunkReader::operator=(ChunkReader&&) noexcept = default;
ChunkReader::~ChunkReader() = default;

std::optional<ChunkLocation> ChunkReader::find(const Digest& digest) {
  lmdb::ReadTxn& txn = impl_->index_txn;
  if (txn.is_reset()) txn.renew();
  if (!impl_->prefetched.empty()) {
    const auto& p = impl_->prefetched;
    auto it = std::lower_bound(p.begin(), p.end(), digest,
                               [](const auto& e, const Digest& d) { return e.first < d; });
    if (it != p.end() && it->first == digest) return it->second;
  }
  auto loc = impl_->chunks->index.find(txn, digest);
  if (!loc) {  // maybe written after our snapshot: look once more at the newest state
    txn.refresh();
    loc = impl_->chunks->index.find(txn, digest);
  }
  return loc;
}

std::vector<Digest> ChunkReader::in_stored_order(std::span<const Digest> digests) {
  constexpr auto kNotLocal = std::numeric_limits<std::uint64_t>::max();
  struct Place {
    std::uint64_t backend, container, offset;
    std::size_t at;
  };
  const std::vector<std::optional<ChunkLocation>> locs = find_many(digests);
  std::vector<Place> places;
  places.reserve(digests.size());
  for (std::size_t i = 0; i < digests.size(); ++i) {
    if (!locs[i]) {
      places.push_back({kNotLocal, 0, 0, i});
      continue;
    }
    const auto [container, offset] = impl_->chunks->backend(locs[i]->backend).place_of(*locs[i]);
    places.push_back({static_cast<std::uint64_t>(locs[i]->backend), container, offset, i});
  }
  // `at` last: equal places (not local, or "l0") keep the input order.
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
    return std::tie(a.backend, a.container, a.offset, a.at) <
           std::tie(b.backend, b.container, b.offset, b.at);
  });
  std::vector<Digest> out;
  out.reserve(digests.size());
  for (const Place& p : places) out.push_back(digests[p.at]);
  return out;
}

std::vector<std::optional<ChunkLocation>> ChunkReader::find_many(std::span<const Digest> digests) {
  std::vector<std::optional<ChunkLocation>> out(digests.size());
  std::vector<std::uint32_t> order(digests.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return digests[a] < digests[b]; });
  lmdb::ReadTxn& txn = impl_->index_txn;
  if (txn.is_reset()) txn.renew();
  const lmdb::Env& env = impl_->chunks->index.env();
  bool missing = false;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      if (!missing) break;
      txn.refresh();  // maybe written after our snapshot: look once more at the newest state
    }
    for (std::uint32_t i : order) {
      if (out[i]) continue;
      impl_->lookup_budget.step(env);
      out[i] = impl_->chunks->index.find(txn, digests[i]);
      missing = missing || !out[i];
    }
  }
  return out;
}

void ChunkReader::prefetch(std::span<const Digest> digests) {
  impl_->prefetched.clear();
  std::vector<std::optional<ChunkLocation>> found = find_many(digests);
  for (std::size_t i = 0; i < digests.size(); ++i)
    if (found[i]) impl_->prefetched.emplace_back(digests[i], std::move(*found[i]));
  std::sort(impl_->prefetched.begin(), impl_->prefetched.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::optional<std::uint32_t> ChunkReader::raw_size(const Digest& digest) {
  auto loc = find(digest);
  if (!loc) return std::nullopt;
  return loc->raw_size;
}

std::pair<ChunkLocation, ByteView> ChunkReader::read_stored(const Digest& digest) {
  auto loc = find(digest);
  if (!loc) fail(ErrorCode::NotLocal, "chunk " + digest.hex() + " is not local");
  return read_stored(digest, std::move(*loc));
}

std::pair<ChunkLocation, ByteView> ChunkReader::read_stored(const Digest& digest,
                                                            ChunkLocation found) {
  std::optional<ChunkLocation> loc = std::move(found);
  ByteView stored;
  for (int attempt = 1;; ++attempt) {
    try {
      stored = impl_->reader_for(loc->backend).stored(*loc);
      break;
    } catch (const Error& e) {
      // A reclaim may have moved the chunk and deleted its old container after our index
      // snapshot was taken: look it up again in the newest index (a few times: a reclaim may
      // follow another one while this thread is descheduled).
      if (e.code() != ErrorCode::Corrupt || attempt == kReadAttempts) throw;
      refresh();
      auto now = find(digest);
      if (!now) fail(ErrorCode::NotLocal, "chunk " + digest.hex() + " is not local");
      if (*now == *loc) throw;
      loc = std::move(now);
    }
  }
  if (stored.size() != loc->stored_size)
    fail(ErrorCode::Corrupt,
         "chunk " + digest.hex() + ": stored size " + std::to_string(stored.size()) +
             " != recorded " + std::to_string(loc->stored_size),
         Hint{.action = HintAction::Fsck});
  return {std::move(*loc), stored};
}

void ChunkReader::read(const Digest& digest, MutableByteView out, ReadCheck check) {
  auto [loc, stored] = read_stored(digest);
  if (out.size() != loc.raw_size)
    fail(ErrorCode::InvalidArgument, "chunk " + digest.hex() + " has " +
                                         std::to_string(loc.raw_size) + " bytes, the buffer " +
                                         std::to_string(out.size()));
  const bool by_checksum = check == ReadCheck::Checksum && loc.checksum.has_value();
  if (by_checksum) {
    // Before decoding: damaged bytes never reach the decoder.
    const std::uint64_t got = xxh3_64(stored);
    if (got != *loc.checksum)
      fail(ErrorCode::Corrupt,
           "chunk " + digest.hex() + ": checksum mismatch in backend '" +
               backend_code_name(loc.backend) + "' (expected " + hex64(*loc.checksum) + ", got " +
               hex64(got) + ")",
           Hint{.action = HintAction::FsckRehash});
  }
  try {
    decode_chunk(loc.codec, stored, out);  // straight from the map into the caller's buffer
  } catch (const Error& e) {
    throw e.with_context("chunk " + digest.hex());
  }
  if (by_checksum) return;
  const Digest got = digest_of(out);
  if (got != digest)
    fail(ErrorCode::Corrupt, "chunk " + digest.hex() + ": digest mismatch, got " + got.hex());
}

Bytes ChunkReader::read(const Digest& digest) {
  auto size = raw_size(digest);
  if (!size) fail(ErrorCode::NotLocal, "chunk " + digest.hex() + " is not local");
  Bytes out(*size);  // <= kMaxChunkBytes, checked by decode_location
  read(digest, out);
  return out;
}

void ChunkReader::refresh() {
  impl_->prefetched.clear();
  impl_->index_txn.refresh();
  for (auto& [code, r] : impl_->readers) r->refresh();
}

void ChunkReader::release() noexcept {
  impl_->prefetched.clear();
  impl_->index_txn.reset();
  for (auto& [code, r] : impl_->readers) r->release();
}

}  // namespace hangar::storage
