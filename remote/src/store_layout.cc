// The bucket layout of an S3 store (store_layout.h).
#include "store_layout.h"

#include <hangar/base/checksum.h>
#include <hangar/base/encoding.h>
#include <hangar/error.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "json_integer.h"

namespace hangar::remote::store {
namespace {

constexpr char kIndexMagic[4] = {'H', 'G', 'P', 'I'};
constexpr std::uint32_t kIndexVersion = 1;
constexpr std::size_t kEntryBytes = 32 + 1 + 4 + 4 + 8 + 8;
constexpr std::size_t kHeaderBytes = 4 + 4 + 8 + 32 + 8;

}  // namespace

bool is_store_url(std::string_view url) { return url.starts_with("s3://"); }

StoreUrl parse_store_url(const std::string& url) {
  auto bad = [&](const std::string& why) {
    fail(ErrorCode::InvalidArgument,
         "bad object store URL '" + url + "': " + why + "; expected s3://BUCKET[/PREFIX]");
  };
  if (!is_store_url(url)) bad("not an s3:// URL");
  const std::string rest = url.substr(5);
  const auto slash = rest.find('/');
  StoreUrl out;
  out.bucket = rest.substr(0, slash);
  if (out.bucket.size() < 3 || out.bucket.size() > 63 ||
      !std::all_of(out.bucket.begin(), out.bucket.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
      }))
    bad("the bucket name must be 3 to 63 lowercase letters, digits, '-' or '.'");
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  std::string clean;
  std::size_t at = 0;
  while (at <= prefix.size()) {
    const auto end = std::min(prefix.find('/', at), prefix.size());
    const std::string seg = prefix.substr(at, end - at);
    if (seg == "." || seg == "..") bad("'.' and '..' are not allowed in the prefix");
    if (!seg.empty()) clean += seg + "/";
    at = end + 1;
  }
  out.prefix = clean;
  return out;
}

std::string data_prefix(const std::string& prefix) { return prefix + "data/"; }
std::string data_key(const std::string& prefix, const Digest& pack) {
  return prefix + "data/" + pack.hex() + ".pack";
}
std::string index_key(const std::string& prefix, const Digest& pack) {
  return prefix + "data/" + pack.hex() + ".idx";
}
std::string history_key(const std::string& prefix, const Digest& pack) {
  return prefix + "history/" + pack.hex() + ".pack";
}
std::string manifest_key(const std::string& prefix) { return prefix + "manifest.json"; }

Bytes encode_index(const PackIndex& index) {
  Encoder e;
  e.raw(as_bytes(std::string_view(kIndexMagic, 4)));
  e.u32(kIndexVersion);
  e.u64(index.entries.size());
  e.digest(index.pack);
  e.u64(index.size);
  for (const auto& en : index.entries) {
    e.digest(en.id);
    e.u8(static_cast<std::uint8_t>(en.codec));
    e.u32(en.raw_size);
    e.u32(en.stored_size);
    e.u64(en.offset);
    e.u64(en.checksum);
  }
  Bytes out = e.take();
  const Digest trailer = digest_of(out);
  out.insert(out.end(), trailer.view().begin(), trailer.view().end());
  return out;
}

PackIndex decode_index(ByteView bytes, const std::string& what) {
  if (bytes.size() < kHeaderBytes + 32)
    fail(ErrorCode::Corrupt,
         what + ": pack index truncated (" + std::to_string(bytes.size()) + " bytes)");
  const ByteView body = bytes.first(bytes.size() - 32);
  if (digest_of(body) != Digest::from_bytes(bytes.last(32)))
    fail(ErrorCode::Corrupt, what + ": pack index checksum mismatch");
  Decoder d(body, what);
  const ByteView magic = d.raw("magic", 4);
  if (!std::equal(magic.begin(), magic.end(), as_bytes(std::string_view(kIndexMagic, 4)).begin()))
    fail(ErrorCode::Corrupt, what + ": not a hangar pack index (bad magic)");
  const std::uint32_t version = d.u32("version");
  if (version != kIndexVersion)
    fail(ErrorCode::Unsupported, what + ": pack index version " + std::to_string(version) +
                                     " is newer than this hangar's; upgrade hangar");
  const std::uint64_t count = d.u64("count");
  if (count > kMaxIndexEntries || count * kEntryBytes != d.remaining() - 40)
    fail(ErrorCode::Corrupt,
         what + ": pack index count " + std::to_string(count) + " does not match its size");
  PackIndex index;
  index.pack = d.digest("pack");
  index.size = d.u64("size");
  if (index.size > kMaxPackBytes) fail(ErrorCode::Corrupt, what + ": pack size out of range");
  index.entries.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    PackEntry en;
    en.id = d.digest("digest");
    const std::uint8_t codec = d.u8("codec");
    if (codec > storage::kMaxChunkCodec)
      fail(ErrorCode::Unsupported, what + ": chunk codec " + std::to_string(codec) +
                                       " is newer than this hangar's; upgrade hangar");
    en.codec = static_cast<storage::ChunkCodec>(codec);
    en.raw_size = d.u32("raw size");
    en.stored_size = d.u32("stored size");
    en.offset = d.u64("offset");
    en.checksum = d.u64("checksum");
    if (en.raw_size > storage::kMaxChunkBytes || en.stored_size > storage::kMaxChunkBytes ||
        en.offset > index.size || en.stored_size > index.size - en.offset)
      fail(ErrorCode::Corrupt, what + ": entry " + en.id.short_hex() + " lies outside the pack");
    if (!index.entries.empty() && !(index.entries.back().id < en.id))
      fail(ErrorCode::Corrupt, what + ": entries are not sorted and unique");
    index.entries.push_back(en);
  }
  d.expect_end();
  return index;
}

void PackBuilder::add(const transfer::StoredChunk& chunk) {
  PackEntry en;
  en.id = chunk.id;
  en.codec = chunk.codec;
  en.raw_size = chunk.raw_size;
  en.stored_size = static_cast<std::uint32_t>(chunk.stored.size());
  en.offset = data_.size();
  en.checksum = xxh3_64(chunk.stored);
  data_.insert(data_.end(), chunk.stored.begin(), chunk.stored.end());
  entries_.push_back(en);
}

std::pair<Bytes, PackIndex> PackBuilder::finish() {
  PackIndex index;
  index.pack = digest_of(data_);
  index.size = data_.size();
  std::sort(entries_.begin(), entries_.end(),
            [](const PackEntry& a, const PackEntry& b) { return a.id < b.id; });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const PackEntry& a, const PackEntry& b) { return a.id == b.id; }),
                 entries_.end());
  index.entries = std::move(entries_);
  entries_.clear();
  Bytes data = std::move(data_);
  data_.clear();
  return {std::move(data), std::move(index)};
}

void verify_entries(std::span<const PackEntry> entries, std::uint64_t base, ByteView part,
                    const std::string& what) {
  Bytes scratch;
  for (const auto& en : entries) {
    if (en.offset < base || en.offset + en.stored_size > base + part.size())
      fail(ErrorCode::Internal, what + ": chunk " + en.id.short_hex() + " is not in the part read");
    const ByteView stored = part.subspan(en.offset - base, en.stored_size);
    if (xxh3_64(stored) != en.checksum)
      fail(ErrorCode::Corrupt, what + ": chunk " + en.id.short_hex() + " checksum mismatch");
    transfer::verify_chunk(en.id, en.codec, en.raw_size, stored, scratch);
  }
}

std::string encode_manifest(const Manifest& m) {
  nlohmann::ordered_json j;
  j["format"] = m.format;
  j["head"] = m.head;
  nlohmann::ordered_json refs = nlohmann::ordered_json::object();
  for (const auto& b : m.branches) refs[b.name] = b.commit.hex();
  j["refs"] = refs;
  nlohmann::ordered_json tags = nlohmann::ordered_json::object();
  for (const auto& t : m.tags) tags[t.name] = t.commit.hex();
  j["tags"] = tags;
  j["history"] = nlohmann::ordered_json::array();
  for (const auto& d : m.history) j["history"].push_back(d.hex());
  j["data"] = nlohmann::ordered_json::array();
  for (const auto& d : m.data) j["data"].push_back(d.hex());
  return j.dump();
}

Manifest decode_manifest(std::string_view json, const std::string& what) {
  Manifest m;
  try {
    const auto j = nlohmann::json::parse(json);
    m.format = json_integer<int>(j.at("format"), "format", what);
    if (m.format != 1)
      fail(ErrorCode::Unsupported, what + ": store format " + std::to_string(m.format) +
                                       " is newer than this hangar's; upgrade hangar");
    m.head = j.at("head").get<std::string>();
    auto digest = [&](const std::string& hex) {
      auto d = Digest::from_hex(hex);
      if (!d || hex.size() != 2 * Digest::kSize)
        fail(ErrorCode::Corrupt, what + ": bad digest '" + hex + "'");
      return *d;
    };
    for (const auto& [name, hex] : j.at("refs").items()) {
      validate_branch_name(name);
      m.branches.push_back({name, digest(hex.get<std::string>())});
    }
    if (j.contains("tags")) {
      for (const auto& [name, hex] : j.at("tags").items()) {
        validate_tag_name(name);
        m.tags.push_back({name, digest(hex.get<std::string>())});
      }
    }
    for (const auto& h : j.at("history")) m.history.push_back(digest(h.get<std::string>()));
    for (const auto& h : j.at("data")) m.data.push_back(digest(h.get<std::string>()));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::Corrupt, what + ": malformed manifest: " + e.what());
  }
  return m;
}

}  // namespace hangar::remote::store
