// JSON shapes of the object-store data routes (data_protocol.h).
#include "data_protocol.h"

#include <hangar/error.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "json_integer.h"

namespace hangar::remote::protocol {
namespace {

using json = nlohmann::json;

Digest digest_field(const json& j, const std::string& what) {
  const auto hex = j.get<std::string>();
  auto d = Digest::from_hex(hex);
  if (!d || hex.size() != 2 * Digest::kSize)
    fail(ErrorCode::Corrupt, what + ": bad digest '" + hex.substr(0, 80) + "'");
  return *d;
}

json parse(std::string_view text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(ErrorCode::Corrupt, what + ": malformed JSON: " + e.what());
  }
}

template <typename Fn>
auto guarded(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const json::exception& e) {
    fail(ErrorCode::Corrupt, what + ": unexpected JSON shape: " + e.what());
  }
}

}  // namespace

bool is_session_id(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string encode_locations(const ChunkLocations& l) {
  json j;
  j["packs"] = l.pack_urls;
  json items = json::array();
  for (const auto& it : l.items)
    items.push_back({it.id.hex(), it.pack, it.offset, it.stored_size, it.raw_size,
                     static_cast<int>(it.codec), it.checksum});
  j["chunks"] = std::move(items);
  return j.dump();
}

ChunkLocations decode_locations(std::string_view text, std::size_t max_items,
                                const std::string& what) {
  const json j = parse(text, what);
  return guarded(what, [&] {
    ChunkLocations l;
    l.pack_urls = j.at("packs").get<std::vector<std::string>>();
    const auto& items = j.at("chunks");
    if (items.size() > max_items)
      fail(ErrorCode::Corrupt, what + ": more chunk locations than asked for");
    for (const auto& a : items) {
      ChunkLocations::Item it;
      if (!a.is_array() || a.size() != 7) fail(ErrorCode::Corrupt, what + ": bad chunk location");
      it.id = digest_field(a[0], what);
      it.pack = json_integer<std::uint32_t>(a[1], "pack", what);
      it.offset = json_integer<std::uint64_t>(a[2], "offset", what);
      it.stored_size = json_integer<std::uint32_t>(a[3], "stored size", what);
      it.raw_size = json_integer<std::uint32_t>(a[4], "raw size", what);
      const int codec = json_integer<int>(a[5], "codec", what);
      it.checksum = json_integer<std::uint64_t>(a[6], "checksum", what);
      if (it.pack >= l.pack_urls.size() || codec < 0 || codec > storage::kMaxChunkCodec ||
          it.stored_size > storage::kMaxChunkBytes || it.raw_size > storage::kMaxChunkBytes)
        fail(ErrorCode::Corrupt,
             what + ": chunk location of " + it.id.short_hex() + " is out of range");
      it.codec = static_cast<storage::ChunkCodec>(codec);
      l.items.push_back(it);
    }
    return l;
  });
}

std::string encode_upload_request(const UploadRequest& r) {
  json j;
  j["session"] = r.session;
  json packs = json::array();
  for (const auto& p : r.packs)
    packs.push_back({{"name", p.pack.hex()}, {"size", p.size}, {"index_size", p.index_size}});
  j["packs"] = std::move(packs);
  return j.dump();
}

UploadRequest decode_upload_request(std::string_view text, const std::string& what) {
  const json j = parse(text, what);
  return guarded(what, [&] {
    UploadRequest r;
    r.session = j.at("session").get<std::string>();
    if (!r.session.empty() && !is_session_id(r.session))
      fail(ErrorCode::InvalidArgument, what + ": bad upload session id");
    const auto& packs = j.at("packs");
    if (packs.size() > kMaxUploadPacks)
      fail(ErrorCode::InvalidArgument, what + ": more than " + std::to_string(kMaxUploadPacks) +
                                           " packs in one upload request");
    for (const auto& p : packs)
      r.packs.push_back({digest_field(p.at("name"), what),
                         json_integer<std::uint64_t>(p.at("size"), "size", what),
                         json_integer<std::uint64_t>(p.at("index_size"), "index_size", what)});
    return r;
  });
}

std::string encode_upload_reply(const UploadReply& r) {
  json j;
  j["session"] = r.session;
  json urls = json::array();
  for (const auto& u : r.urls) urls.push_back({{"pack", u.pack_url}, {"index", u.index_url}});
  j["urls"] = std::move(urls);
  return j.dump();
}

UploadReply decode_upload_reply(std::string_view text, std::size_t expected,
                                const std::string& what) {
  const json j = parse(text, what);
  return guarded(what, [&] {
    UploadReply r;
    r.session = j.at("session").get<std::string>();
    if (!is_session_id(r.session)) fail(ErrorCode::Corrupt, what + ": bad upload session id");
    for (const auto& u : j.at("urls"))
      r.urls.push_back({u.at("pack").get<std::string>(), u.at("index").get<std::string>()});
    if (r.urls.size() != expected)
      fail(ErrorCode::Corrupt, what + ": " + std::to_string(r.urls.size()) + " upload URLs for " +
                                   std::to_string(expected) + " packs");
    return r;
  });
}

std::string encode_gc_report(const StoreGcReport& r) {
  return json{{"packs_deleted", r.packs_deleted},
              {"bytes_deleted", r.bytes_deleted},
              {"packs_live", r.packs_live},
              {"packs_kept_young", r.packs_kept_young},
              {"packs_kept_session", r.packs_kept_session},
              {"uploads_deleted", r.uploads_deleted}}
      .dump();
}

StoreGcReport decode_gc_report(std::string_view text, const std::string& what) {
  const json j = parse(text, what);
  return guarded(what, [&] {
    StoreGcReport r;
    const auto count = [&](const char* name) {
      return json_integer<std::uint64_t>(j.at(name), name, what);
    };
    r.packs_deleted = count("packs_deleted");
    r.bytes_deleted = count("bytes_deleted");
    r.packs_live = count("packs_live");
    r.packs_kept_young = count("packs_kept_young");
    r.packs_kept_session = count("packs_kept_session");
    r.uploads_deleted = count("uploads_deleted");
    return r;
  });
}

}  // namespace hangar::remote::protocol
