// The hangar protocol (docs/format/protocol.md): versions, routes, headers and the JSON /
// binary shapes of requests and replies, shared by the HTTP client and server. The pack
// itself is in pack.h. Private to the remote module.
#pragma once

#include <hangar/remote/transport.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote::protocol {

// 1: XXH3-128 digests (16 bytes, 32 hex); 2: SHA-256 digests (32 bytes, 64 hex), pack format 2.
inline constexpr int kVersion = 2;     // the version this build speaks
inline constexpr int kMinVersion = 2;  // the oldest it still speaks

inline constexpr const char* kVersionHeader = "Hangar-Protocol";
inline constexpr const char* kPushHeader = "Hangar-Push";

inline constexpr const char* kJsonType = "application/json";
inline constexpr const char* kPackType = "application/x-hangar-pack";
inline constexpr const char* kDigestsType = "application/x-hangar-digests";

inline constexpr const char* kInfoRoute = "/hangar/info";
inline constexpr const char* kRefsRoute = "/hangar/refs";
inline constexpr const char* kHistoryRoute = "/hangar/history";
inline constexpr const char* kChunksRoute = "/hangar/chunks";
inline constexpr const char* kMissingRoute = "/hangar/chunks/missing";
inline constexpr const char* kPushRoute = "/hangar/push";
inline constexpr const char* kPushCheckRoute = "/hangar/push/check";

inline constexpr std::size_t kMaxJsonBytes = 8u << 20;  // a request or reply document
inline constexpr std::size_t kMaxHaves = 65536;         // commits in a history request
// Longest bearer token: the header line that carries it stays well under the server's limit of
// 8192 bytes per header line.
inline constexpr std::size_t kMaxTokenBytes = 4096;

// The error a server with TLS answers, in clear (HTTP 400), to a request in clear.
inline constexpr std::string_view kPlainToTlsMessage =
    "this hangar server speaks HTTPS only (it runs with --tls-cert); use https:// in place of "
    "http:// in the URL";

// Every decode_* throws Corrupt "<what>: ..." on a malformed document (`what` names it).

std::string encode_info(const ServerInfo& info, int min_version);
// Returns the info and sets `min_version` to the server's oldest protocol.
ServerInfo decode_info(std::string_view json, int& min_version, const std::string& what);

std::string encode_refs(const RefList& refs);
RefList decode_refs(std::string_view json, const std::string& what);

std::string encode_history_request(const HistoryRequest& request);
HistoryRequest decode_history_request(std::string_view json, const std::string& what);

// Binary digest lists: n * Digest::kSize (32) bytes. decode caps n at `max`.
std::string encode_digests(std::span<const Digest> ids);
std::vector<Digest> decode_digests(std::string_view body, std::size_t max, const std::string& what);

std::string encode_updates(std::span<const RefUpdate> updates);
std::vector<RefUpdate> decode_updates(std::string_view json, const std::string& what);

std::string encode_push_reply(const PushReply& reply);
PushReply decode_push_reply(std::string_view json, const std::string& what);

// {"error": message}
std::string encode_error(std::string_view message);
// The message of an error document, or the body itself (trimmed, capped) when it is not one.
std::string decode_error(std::string_view body);

}  // namespace hangar::remote::protocol
