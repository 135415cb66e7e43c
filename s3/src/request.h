// One S3 HTTP request through libcurl, with retries (client.h's Client::Request and Reply).
// Private to the s3 module.
#pragma once

#include <curl/curl.h>
#include <hangar/s3/client.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hangar::s3 {

struct Client::Request {
  std::string method;  // GET PUT POST HEAD DELETE
  std::string url;     // full URL; query parameters already encoded and sorted (SigV4)
  std::string what;    // for messages: "PUT s3://bucket/key"
  ByteView body;       // PUT/POST body
  std::vector<std::string> headers;  // "Range: bytes=0-9"
  // Signs with CURLOPT_AWS_SIGV4 when set; a presigned URL needs none.
  const Credentials* credentials = nullptr;
  std::string region;
  // When set, the body of a 2xx reply goes here piece by piece instead of into Reply::body.
  std::function<void(ByteView)> sink;
  // Largest body collected into Reply::body (error replies are cut to 4 KiB).
  std::size_t max_body = 64u << 20;
};

struct Client::Reply {
  long status = 0;
  std::string body;  // the body (2xx without sink), or the start of an error reply
  std::string etag;  // ETag header, quotes removed
  std::optional<std::uint64_t> content_length;
  bool sunk = false;  // the sink got at least one byte
};

// Idle curl easy handles, so that requests reuse connections. Thread-safe.
class Client::HandlePool {
 public:
  HandlePool();
  ~HandlePool();
  CURL* take();
  void give(CURL* handle) noexcept;

 private:
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

// Sends `request`, retrying (options.max_retries, full-jitter backoff) on refused or broken
// connections, stalls, 429 and 5xx, unless a byte already went to the sink. Returns every other
// reply (2xx, 3xx, 4xx) for the caller to interpret. Throws: S3Error EndpointDown, Timeout,
// Throttled, ServerError after the last retry; Interrupted; what the sink throws.
Client::Reply perform(Client::HandlePool& pool, const ClientOptions& options, ClientStats& stats,
                      Client::Request& request);

// Throws the S3Error that a non-2xx `reply` to `request` means, classified by its S3 error code
// (or its status when it has no body, as for HEAD). `credentials` (may be null) only names
// the access key and where it came from.
[[noreturn]] void fail_reply(const Client::Request& request, const Client::Reply& reply,
                             const std::string& endpoint, const Credentials* credentials);

}  // namespace hangar::s3
