// A small S3 client over libcurl (docs/decisions/0016-s3-object-store.md): path-style requests
// to one bucket at one endpoint, signed by libcurl's CURLOPT_AWS_SIGV4, with retries and
// backoff on 5xx, 429, timeouts and refused connections; multipart upload above a threshold;
// presigned URLs (presign.h); https:// endpoints verified as TlsOptions says. Every failure is an
// S3Error (error.h) naming what went wrong.
//
// Thread-safety: a Client may be used from many threads at once (each request takes its own
// curl handle from a small pool, so connections are reused).
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/s3/credentials.h>
#include <hangar/s3/error.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::s3 {

// How requests to an https:// endpoint or presigned URL check the store's certificate. The
// defaults are what OpenSSL-based tools do (openssl s_client, Python's ssl, hangar's own https://
// remotes, docs/decisions/0018-tls.md), which libcurl alone does not: the chain is verified
// against SSL_CERT_FILE and SSL_CERT_DIR when they are set, else the system's CA certificates,
// and the host name (or IP address) must match the certificate.
struct TlsOptions {
  std::string ca_file;    // CURLOPT_CAINFO when not empty (from SSL_CERT_FILE)
  std::string ca_dir;     // CURLOPT_CAPATH when not empty (from SSL_CERT_DIR)
  bool insecure = false;  // verify neither the chain nor the name (explicit opt-out only)
  // The command-line flag a certificate error names as the way to skip the check.
  std::string insecure_flag = "--insecure";
  // ca_file and ca_dir from SSL_CERT_FILE and SSL_CERT_DIR (empty when unset).
  static TlsOptions from_env();
};

struct ClientOptions {
  std::string endpoint;  // "http://127.0.0.1:7480" (scheme, host, optional port; no path)
  std::string bucket;    // 3-63 characters
  std::string region = "us-east-1";
  // Retries after the first attempt for retryable failures; the wait before retry n (1-based)
  // is a random time in [0, min(backoff_cap, backoff_base * 2^n)] ("full jitter").
  int max_retries = 4;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{2000};
  std::chrono::seconds connect_timeout{5};
  // A request that moves no byte for this long fails (retryable); large objects are fine.
  std::chrono::seconds stall_timeout{30};
  // put() uses a multipart upload for objects larger than this; parts are part_size bytes
  // (S3: 5 MiB to 5 GiB, at most 10,000 parts; the last part may be smaller).
  std::uint64_t multipart_threshold = 64ull << 20;
  std::uint64_t part_size = 16ull << 20;
  TlsOptions tls = TlsOptions::from_env();
};

struct ObjectInfo {
  std::string key;  // the full key, prefix included
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  // From listings only (LastModified); the epoch elsewhere.
  std::chrono::system_clock::time_point last_modified{};
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // in key order
  std::string next_token;           // empty on the last page
};

// Counters for measurements and tests (relaxed atomics).
struct ClientStats {
  std::atomic<std::uint64_t> requests{0};  // HTTP requests sent, retries included
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> bytes_sent{0};      // bodies only
  std::atomic<std::uint64_t> bytes_received{0};  // bodies only
};

enum class Method { Get, Put, Head, Delete };

class Client {
 public:
  // Does not connect. Throws: InvalidArgument (endpoint not http(s)://HOST[:PORT], bad bucket
  // name, part sizes out of S3's range).
  Client(ClientOptions options, Credentials credentials);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const noexcept { return options_; }
  const ClientStats& stats() const noexcept { return stats_; }

  // Checks that the bucket exists and the credentials may read it (HEAD bucket). Throws the
  // S3Error saying which of credentials / bucket / endpoint is wrong.
  void check_bucket();

  // Stores `data` as `key` (replacing it); multipart above options().multipart_threshold.
  void put(std::string_view key, ByteView data);
  // The whole object; nullopt when there is no such key.
  std::optional<Bytes> get(std::string_view key);
  // Bytes [offset, offset + length) of the object. Throws: S3Error NoSuchKey; BadReply when the
  // object is shorter.
  Bytes get_range(std::string_view key, std::uint64_t offset, std::uint64_t length);
  // Streams the object (or a range of it, when length > 0) into `sink`, piece by piece. A sink
  // that throws aborts the transfer; no retry happens once a byte was handed to the sink.
  // Returns false when there is no such key.
  bool get_to(std::string_view key, std::uint64_t offset, std::uint64_t length,
              const std::function<void(ByteView)>& sink);
  // Size and ETag; nullopt when there is no such key.
  std::optional<ObjectInfo> head(std::string_view key);
  // Copies object `from` to `to` inside the bucket, on the store (no byte passes through us).
  // REQUIRES: the object is at most 5 GiB. Throws: S3Error NoSuchKey when `from` is absent.
  void copy(std::string_view from, std::string_view to);
  // Deletes `key`; deleting a missing key succeeds (S3 semantics).
  void remove(std::string_view key);
  // One page (at most max_keys, <= 1000) of the keys starting with `prefix`, after `token`
  // (a ListPage::next_token; empty for the first page). ListObjectsV2.
  ListPage list_page(std::string_view prefix, const std::string& token, int max_keys = 1000);
  // Every key starting with `prefix`, page after page.
  std::vector<ObjectInfo> list(std::string_view prefix);

  // Multipart upload, step by step (put() does all of it). Part numbers are 1..10000.
  std::string create_multipart(std::string_view key);
  std::string upload_part(std::string_view key, const std::string& upload_id, int part_number,
                          ByteView data);  // returns the part's ETag
  void complete_multipart(std::string_view key, const std::string& upload_id,
                          const std::vector<std::string>& part_etags);
  void abort_multipart(std::string_view key, const std::string& upload_id);

  // A URL that lets anyone holding it do `method` on `key` until now + expires (SigV4 query
  // signing, presign.h), without credentials. REQUIRES: 1 s <= expires <= 7 days.
  std::string presign(
      Method method, std::string_view key, std::chrono::seconds expires,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  // The URL of `key` at this endpoint (path style, key percent-encoded), without signature.
  std::string object_url(std::string_view key) const;

  // Implementation details (client.cc, curl_request.cc).
  struct Request;
  struct Reply;
  class HandlePool;

 private:
  Reply send(Request& request);

  ClientOptions options_;
  Credentials credentials_;
  std::string host_;  // "127.0.0.1:7480": what the Host header carries
  std::unique_ptr<HandlePool> pool_;
  mutable ClientStats stats_;
};

// Requests to presigned URLs, with no credentials: what a hangar client without S3 keys uses.
// Same retries, timeouts, TLS checks and error classification as Client (an expired URL is
// Problem::Expired).
// Thread-safe like Client.
class UrlClient {
 public:
  explicit UrlClient(ClientOptions options = {});  // endpoint/bucket/region unused
  ~UrlClient();
  UrlClient(const UrlClient&) = delete;
  UrlClient& operator=(const UrlClient&) = delete;
  // GET of `url` (a range when length > 0) into `sink`; false on 404.
  bool get_to(const std::string& url, std::uint64_t offset, std::uint64_t length,
              const std::function<void(ByteView)>& sink);
  // PUT of `data` to `url`.
  void put(const std::string& url, ByteView data);
  const ClientStats& stats() const noexcept { return stats_; }

 private:
  ClientOptions options_;
  std::unique_ptr<Client::HandlePool> pool_;
  mutable ClientStats stats_;
};

}  // namespace hangar::s3
