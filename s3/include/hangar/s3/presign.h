// SigV4 query signing ("presigned URLs", AWS docs: "Authenticating Requests: Using Query
// Parameters"), which libcurl does not do: HMAC-SHA256 from OpenSSL. Also the small
// encoding helpers both kinds of signing need. Pure functions; thread-safe.
#pragma once

#include <hangar/s3/credentials.h>

#include <chrono>
#include <string>
#include <string_view>

namespace hangar::s3 {

struct PresignRequest {
  std::string method;       // "GET", "PUT", ...
  std::string scheme_host;  // "http://127.0.0.1:7480": the URL's start
  std::string host;         // "127.0.0.1:7480": the Host header value that is signed
  std::string path;         // "/bucket/key", already percent-encoded (uri_encode_path)
  std::string region;       // "us-east-1"
  std::chrono::system_clock::time_point now;
  std::chrono::seconds expires{900};  // 1 s .. 604800 s (7 days)
};

// The signed URL. Throws: InvalidArgument (expiry out of range).
std::string presign_url(const PresignRequest& request, const Credentials& credentials);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - . _ ~ stay, the rest is
// %XX (uppercase); with keep_slash, '/' stays too (object key paths).
std::string uri_encode(std::string_view s, bool keep_slash = false);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// "20130524T000000Z"
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace hangar::s3
