// JSON and binary shapes of the hangar protocol (docs/format/protocol.md).
#include "protocol.h"

#include <hangar/error.h>

#include <nlohmann/json.hpp>
#include <type_traits>

#include "json_integer.h"

namespace hangar::remote::protocol {
namespace {

using Json = nlohmann::json;

Json parse(std::string_view text, const std::string& what) {
  if (text.size() > kMaxJsonBytes)
    fail(ErrorCode::Corrupt,
         what + ": document of " + std::to_string(text.size()) + " bytes is over the limit");
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorCode::Corrupt, what + ": not a JSON object");
  return j;
}

template <typename T>
T field(const Json& j, const char* name, const std::string& what) {
  auto it = j.find(name);
  if (it == j.end()) fail(ErrorCode::Corrupt, what + ": field '" + name + "' is missing");
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return json_integer<T>(*it, name, what);
  } else {
    try {
      return it->get<T>();
    } catch (const Json::exception&) {
      fail(ErrorCode::Corrupt, what + ": field '" + name + "' has the wrong type");
    }
  }
}

Digest digest_field(const std::string& hex, const char* name, const std::string& what) {
  auto d = Digest::from_hex(hex);
  if (!d)
    fail(ErrorCode::Corrupt, what + ": field '" + name + "' is not a " +
                                 std::to_string(Digest::kSize * 2) + "-char hex digest");
  return *d;
}

std::vector<Digest> digest_list(const Json& j, const char* name, std::size_t max,
                                const std::string& what) {
  auto list = field<std::vector<std::string>>(j, name, what);
  if (list.size() > max)
    fail(ErrorCode::Corrupt, what + ": field '" + name + "' lists " + std::to_string(list.size()) +
                                 " digests, at most " + std::to_string(max));
  std::vector<Digest> out;
  out.reserve(list.size());
  for (const auto& h : list) out.push_back(digest_field(h, name, what));
  return out;
}

// The document's text. A string that is not UTF-8 (an Authorization scheme or a protocol header
// quoted in an error message, a repository folder's name) gets U+FFFD for its bad bytes: the
// reply stays a JSON document instead of the encoder throwing.
std::string text_of(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json hex_list(std::span<const Digest> ids) {
  Json a = Json::array();
  for (const auto& d : ids) a.push_back(d.hex());
  return a;
}

}  // namespace

std::string encode_info(const ServerInfo& info, int min_version) {
  return text_of(Json{{"protocol", info.protocol},
                      {"min_protocol", min_version},
                      {"server", info.server},
                      {"name", info.name},
                      {"read_only", info.read_only},
                      {"capabilities", info.capabilities}});
}

ServerInfo decode_info(std::string_view json, int& min_version, const std::string& what) {
  Json j = parse(json, what);
  ServerInfo info;
  info.protocol = field<int>(j, "protocol", what);
  min_version = field<int>(j, "min_protocol", what);
  info.server = field<std::string>(j, "server", what);
  info.name = field<std::string>(j, "name", what);
  info.read_only = field<bool>(j, "read_only", what);
  info.capabilities = field<std::vector<std::string>>(j, "capabilities", what);
  return info;
}

std::string encode_refs(const RefList& refs) {
  Json branches = Json::array();
  for (const auto& b : refs.branches)
    branches.push_back(Json{{"name", b.name}, {"commit", b.commit.hex()}});
  Json tags = Json::array();
  for (const auto& t : refs.tags)
    tags.push_back(Json{{"name", t.name}, {"commit", t.commit.hex()}});
  return text_of(Json{{"head", refs.head}, {"branches", branches}, {"tags", tags}});
}

RefList decode_refs(std::string_view json, const std::string& what) {
  Json j = parse(json, what);
  RefList refs;
  refs.head = field<std::string>(j, "head", what);
  auto list = field<Json>(j, "branches", what);
  if (!list.is_array()) fail(ErrorCode::Corrupt, what + ": field 'branches' is not a list");
  for (const auto& b : list) {
    if (!b.is_object()) fail(ErrorCode::Corrupt, what + ": a branch is not an object");
    refs.branches.push_back({field<std::string>(b, "name", what),
                             digest_field(field<std::string>(b, "commit", what), "commit", what)});
  }
  if (!j.contains("tags")) return refs;  // a server from before tags
  auto tags = field<Json>(j, "tags", what);
  if (!tags.is_array()) fail(ErrorCode::Corrupt, what + ": field 'tags' is not a list");
  for (const auto& t : tags) {
    if (!t.is_object()) fail(ErrorCode::Corrupt, what + ": a tag is not an object");
    refs.tags.push_back({field<std::string>(t, "name", what),
                         digest_field(field<std::string>(t, "commit", what), "commit", what)});
  }
  return refs;
}

std::string encode_history_request(const HistoryRequest& request) {
  return text_of(Json{{"want", hex_list(request.wants)}, {"have", hex_list(request.haves)}});
}

HistoryRequest decode_history_request(std::string_view json, const std::string& what) {
  Json j = parse(json, what);
  return {digest_list(j, "want", kMaxHaves, what), digest_list(j, "have", kMaxHaves, what)};
}

std::string encode_digests(std::span<const Digest> ids) {
  std::string out;
  out.reserve(ids.size() * Digest::kSize);
  for (const auto& d : ids)
    out.append(reinterpret_cast<const char*>(d.bytes.data()), Digest::kSize);
  return out;
}

std::vector<Digest> decode_digests(std::string_view body, std::size_t max,
                                   const std::string& what) {
  if (body.size() % Digest::kSize != 0)
    fail(ErrorCode::Corrupt, what + ": " + std::to_string(body.size()) +
                                 " bytes is not a list of " + std::to_string(Digest::kSize) +
                                 "-byte digests");
  const std::size_t n = body.size() / Digest::kSize;
  if (n > max)
    fail(ErrorCode::Corrupt,
         what + ": " + std::to_string(n) + " digests, at most " + std::to_string(max));
  std::vector<Digest> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(Digest::from_bytes(as_bytes(body.substr(i * Digest::kSize, Digest::kSize))));
  return out;
}

std::string encode_updates(std::span<const RefUpdate> updates) {
  Json a = Json::array();
  for (const auto& u : updates)
    // A tag update names "tag", not "branch": a server from before tags refuses it.
    a.push_back(Json{{u.tag ? "tag" : "branch", u.branch},
                     {"old", u.expected ? Json(u.expected->hex()) : Json(nullptr)},
                     {"new", u.desired.hex()},
                     {"force", u.force}});
  return text_of(Json{{"updates", a}});
}

std::vector<RefUpdate> decode_updates(std::string_view json, const std::string& what) {
  Json j = parse(json, what);
  auto list = field<Json>(j, "updates", what);
  if (!list.is_array() || list.empty() || list.size() > 64)
    fail(ErrorCode::Corrupt, what + ": field 'updates' must list 1 to 64 updates");
  std::vector<RefUpdate> out;
  for (const auto& u : list) {
    if (!u.is_object()) fail(ErrorCode::Corrupt, what + ": an update is not an object");
    RefUpdate r;
    r.tag = u.contains("tag");
    r.branch = field<std::string>(u, r.tag ? "tag" : "branch", what);
    auto old = u.find("old");
    if (old == u.end()) fail(ErrorCode::Corrupt, what + ": field 'old' is missing");
    if (!old->is_null()) {
      if (!old->is_string()) fail(ErrorCode::Corrupt, what + ": field 'old' has the wrong type");
      r.expected = digest_field(old->get<std::string>(), "old", what);
    }
    r.desired = digest_field(field<std::string>(u, "new", what), "new", what);
    r.force = field<bool>(u, "force", what);
    out.push_back(std::move(r));
  }
  return out;
}

std::string encode_push_reply(const PushReply& reply) {
  return text_of(Json{{"accepted", reply.accepted},
                      {"reason", reply.reason},
                      {"objects", reply.objects},
                      {"chunks", reply.chunks}});
}

PushReply decode_push_reply(std::string_view json, const std::string& what) {
  Json j = parse(json, what);
  PushReply r;
  r.accepted = field<bool>(j, "accepted", what);
  r.reason = field<std::string>(j, "reason", what);
  r.objects = field<std::uint64_t>(j, "objects", what);
  r.chunks = field<std::uint64_t>(j, "chunks", what);
  return r;
}

std::string encode_error(std::string_view message) {
  return text_of(Json{{"error", std::string(message)}});
}

std::string decode_error(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_object()) {
    auto it = j.find("error");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  std::string s(body.substr(0, 200));
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "no details" : s;
}

}  // namespace hangar::remote::protocol
