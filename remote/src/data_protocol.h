// The protocol routes of a server whose chunk data lives in an object store (decision 0016):
// locate (chunk digests -> locations + presigned GET URLs) and upload (pack names -> presigned
// PUT URLs, grouped in an upload session that the next push names). Private to remote.
#pragma once

#include <hangar/remote/transport.h>

#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote::protocol {

inline constexpr const char* kLocateRoute = "/hangar/data/locate";
inline constexpr const char* kUploadRoute = "/hangar/data/upload";
inline constexpr const char* kStoreGcRoute = "/hangar/data/gc";
inline constexpr const char* kUploadHeader = "Hangar-Upload";  // the session a push completes
inline constexpr const char* kStoreCapability = "object-store-data";
inline constexpr std::size_t kMaxUploadPacks = 1024;  // packs per upload request

std::string encode_locations(const ChunkLocations& locations);
// Checks pack indexes and sizes. Throws: Corrupt.
ChunkLocations decode_locations(std::string_view json, std::size_t max_items,
                                const std::string& what);

struct UploadRequest {
  std::string session;  // empty: start one
  std::vector<PackUpload> packs;
};
std::string encode_upload_request(const UploadRequest& request);
UploadRequest decode_upload_request(std::string_view json, const std::string& what);

struct UploadReply {
  std::string session;
  std::vector<UploadUrls> urls;  // one per requested pack, in order
};
std::string encode_upload_reply(const UploadReply& reply);
UploadReply decode_upload_reply(std::string_view json, std::size_t expected,
                                const std::string& what);

std::string encode_gc_report(const StoreGcReport& report);
StoreGcReport decode_gc_report(std::string_view json, const std::string& what);

// Session ids: 32 lowercase hex characters.
bool is_session_id(std::string_view s);

}  // namespace hangar::remote::protocol
