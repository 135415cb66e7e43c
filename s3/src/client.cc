// The S3 operations (client.h) over perform() (request.h).
#include <hangar/s3/client.h>
#include <hangar/s3/presign.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "request.h"
#include "xml.h"

namespace hangar::s3 {
namespace {

struct ParsedEndpoint {
  std::string scheme_host;  // "http://127.0.0.1:7480"
  std::string host;         // "127.0.0.1:7480"
};

ParsedEndpoint parse_endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::size_t start = 0;
  if (url.starts_with("http://"))
    start = 7;
  else if (url.starts_with("https://"))
    start = 8;
  else
    fail(ErrorCode::InvalidArgument,
         "bad S3 endpoint '" + url + "': expected http://HOST[:PORT] or https://HOST[:PORT]");
  const std::string host = url.substr(start);
  if (host.empty() || host.find_first_of("/?#@ ") != std::string::npos)
    fail(ErrorCode::InvalidArgument,
         "bad S3 endpoint '" + url + "': expected http://HOST[:PORT], with no path");
  return {url, host};
}

void check_bucket_name(const std::string& bucket) {
  const bool ok = bucket.size() >= 3 && bucket.size() <= 63 &&
                  std::all_of(bucket.begin(), bucket.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                  });
  if (!ok)
    fail(ErrorCode::InvalidArgument,
         "bad S3 bucket name '" + bucket +
             "': 3 to 63 characters of lowercase letters, digits, '-' and '.'");
}

std::uint64_t parse_u64(std::string_view s, const std::string& what) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw S3Error(Problem::BadReply, what + ": bad number '" + std::string(s) + "' in the reply");
  return v;
}

Client::Request make_request(std::string method, std::string url, std::string what,
                             ByteView body = {}) {
  Client::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.what = std::move(what);
  r.body = body;
  return r;
}

const char* method_name(Method m) {
  switch (m) {
    case Method::Get:
      return "GET";
    case Method::Put:
      return "PUT";
    case Method::Head:
      return "HEAD";
    case Method::Delete:
      return "DELETE";
  }
  return "GET";
}

}  // namespace

Client::Client(ClientOptions options, Credentials credentials)
    : options_(std::move(options)), credentials_(std::move(credentials)) {
  const ParsedEndpoint e = parse_endpoint(options_.endpoint);
  options_.endpoint = e.scheme_host;
  host_ = e.host;
  check_bucket_name(options_.bucket);
  if (options_.part_size < (5ull << 20) || options_.part_size > (5ull << 30))
    fail(ErrorCode::InvalidArgument, "S3 part size must be 5 MiB to 5 GiB");
  if (options_.multipart_threshold < options_.part_size)
    fail(ErrorCode::InvalidArgument, "S3 multipart threshold must be at least the part size");
  pool_ = std::make_unique<HandlePool>();
}

Client::~Client() = default;

std::string Client::object_url(std::string_view key) const {
  return options_.endpoint + "/" + options_.bucket + "/" + uri_encode(key, true);
}

Client::Reply Client::send(Request& request) {
  request.credentials = &credentials_;
  request.region = options_.region;
  return perform(*pool_, options_, stats_, request);
}

void Client::check_bucket() {
  Client::Request r =
      make_request("GET", options_.endpoint + "/" + options_.bucket + "?list-type=2&max-keys=0",
                   "checking bucket s3://" + options_.bucket);
  Reply reply = send(r);
  if (reply.status != 200) fail_reply(r, reply, options_.endpoint, &credentials_);
}

void Client::put(std::string_view key, ByteView data) {
  if (data.size() > options_.multipart_threshold) {
    const std::string upload_id = create_multipart(key);
    try {
      std::vector<std::string> etags;
      for (std::uint64_t at = 0; at < data.size(); at += options_.part_size) {
        const auto n = std::min<std::uint64_t>(options_.part_size, data.size() - at);
        etags.push_back(
            upload_part(key, upload_id, static_cast<int>(etags.size() + 1), data.subspan(at, n)));
      }
      complete_multipart(key, upload_id, etags);
    } catch (...) {
      try {
        abort_multipart(key, upload_id);
      } catch (...) {  // the first error says more; the bucket's lifecycle rules clean up
      }
      throw;
    }
    return;
  }
  Client::Request r = make_request("PUT", object_url(key),
                                   "PUT s3://" + options_.bucket + "/" + std::string(key), data);
  Reply reply = send(r);
  if (reply.status != 200) fail_reply(r, reply, options_.endpoint, &credentials_);
}

bool Client::get_to(std::string_view key, std::uint64_t offset, std::uint64_t length,
                    const std::function<void(ByteView)>& sink) {
  Client::Request r =
      make_request("GET", object_url(key), "GET s3://" + options_.bucket + "/" + std::string(key));
  if (length > 0)
    r.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                        std::to_string(offset + length - 1));
  r.sink = sink;
  Reply reply = send(r);
  if (reply.status == 404 && xml::text(reply.body, "Code").value_or("") == "NoSuchKey")
    return false;
  if (reply.status != 200 && reply.status != 206)
    fail_reply(r, reply, options_.endpoint, &credentials_);
  if (length > 0 && reply.status == 200 && offset != 0)
    throw S3Error(Problem::BadReply, r.what + ": the object store ignored the byte range");
  return true;
}

std::optional<Bytes> Client::get(std::string_view key) {
  Bytes out;
  const bool found =
      get_to(key, 0, 0, [&](ByteView piece) { out.insert(out.end(), piece.begin(), piece.end()); });
  if (!found) return std::nullopt;
  return out;
}

Bytes Client::get_range(std::string_view key, std::uint64_t offset, std::uint64_t length) {
  Bytes out;
  if (length == 0) return out;
  out.reserve(length);
  const bool found = get_to(key, offset, length, [&](ByteView piece) {
    if (out.size() + piece.size() > length)
      throw S3Error(Problem::BadReply, "GET s3://" + options_.bucket + "/" + std::string(key) +
                                           ": the object store sent more than the range");
    out.insert(out.end(), piece.begin(), piece.end());
  });
  if (!found)
    throw S3Error(Problem::NoSuchKey,
                  "GET s3://" + options_.bucket + "/" + std::string(key) + ": no such object");
  if (out.size() != length)
    throw S3Error(Problem::BadReply, "GET s3://" + options_.bucket + "/" + std::string(key) +
                                         ": got " + std::to_string(out.size()) + " of " +
                                         std::to_string(length) +
                                         " bytes asked for (the object is shorter)");
  return out;
}

std::optional<ObjectInfo> Client::head(std::string_view key) {
  Client::Request r = make_request("HEAD", object_url(key),
                                   "HEAD s3://" + options_.bucket + "/" + std::string(key));
  Reply reply = send(r);
  if (reply.status == 200) {
    if (!reply.content_length)
      throw S3Error(Problem::BadReply, r.what + ": the reply has no Content-Length");
    return ObjectInfo{std::string(key), *reply.content_length, reply.etag};
  }
  // A HEAD reply has no body, so no S3 error code: a 404 may be the key or the bucket, a 403
  // the keys or a policy. Ask once more with a request that has a body, which says which.
  if (reply.status == 404 || reply.status == 403) {
    check_bucket();
    if (reply.status == 404) return std::nullopt;
  }
  fail_reply(r, reply, options_.endpoint, &credentials_);
}

void Client::copy(std::string_view from, std::string_view to) {
  Client::Request r = make_request(
      "PUT", object_url(to),
      "COPY s3://" + options_.bucket + "/" + std::string(from) + " to " + std::string(to));
  r.headers.push_back("x-amz-copy-source: /" + options_.bucket + "/" + uri_encode(from, true));
  Reply reply = send(r);
  // Like CompleteMultipartUpload, a copy may answer 200 with an error in the body.
  if (reply.status != 200 || xml::text(reply.body, "Code").has_value())
    fail_reply(r, reply, options_.endpoint, &credentials_);
}

void Client::remove(std::string_view key) {
  Client::Request r = make_request("DELETE", object_url(key),
                                   "DELETE s3://" + options_.bucket + "/" + std::string(key));
  Reply reply = send(r);
  if (reply.status == 204 || reply.status == 200) return;
  if (reply.status == 404 && xml::text(reply.body, "Code").value_or("") == "NoSuchKey") return;
  fail_reply(r, reply, options_.endpoint, &credentials_);
}

ListPage Client::list_page(std::string_view prefix, const std::string& token, int max_keys) {
  max_keys = std::clamp(max_keys, 1, 1000);
  // Query parameters in byte order of their names, encoded: what SigV4 signs (libcurl 7.88
  // takes the query as it is).
  std::string query;
  if (!token.empty()) query += "continuation-token=" + uri_encode(token) + "&";
  query += "list-type=2&max-keys=" + std::to_string(max_keys);
  query += "&prefix=" + uri_encode(prefix);
  Client::Request r = make_request("GET", options_.endpoint + "/" + options_.bucket + "?" + query,
                                   "LIST s3://" + options_.bucket + "/" + std::string(prefix));
  Reply reply = send(r);
  if (reply.status != 200) fail_reply(r, reply, options_.endpoint, &credentials_);
  ListPage page;
  for (const std::string_view item : xml::elements(reply.body, "Contents")) {
    ObjectInfo info;
    const auto k = xml::text(item, "Key");
    const auto size = xml::text(item, "Size");
    if (!k || !size) throw S3Error(Problem::BadReply, r.what + ": an entry lacks Key or Size");
    info.key = *k;
    info.size = parse_u64(*size, r.what);
    info.etag = xml::text(item, "ETag").value_or("");
    const std::string modified = xml::text(item, "LastModified").value_or("");
    std::tm tm{};
    if (::strptime(modified.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr)
      throw S3Error(Problem::BadReply, r.what + ": bad LastModified '" + modified + "'");
    info.last_modified = std::chrono::system_clock::from_time_t(::timegm(&tm));
    if (info.etag.size() >= 2 && info.etag.front() == '"' && info.etag.back() == '"')
      info.etag = info.etag.substr(1, info.etag.size() - 2);
    if (!info.key.starts_with(prefix))
      throw S3Error(Problem::BadReply,
                    r.what + ": listed key '" + info.key + "' does not start with the prefix");
    page.objects.push_back(std::move(info));
  }
  if (xml::text(reply.body, "IsTruncated").value_or("false") == "true") {
    page.next_token = xml::text(reply.body, "NextContinuationToken").value_or("");
    if (page.next_token.empty())
      throw S3Error(Problem::BadReply,
                    r.what + ": a truncated listing without a continuation token");
  }
  return page;
}

std::vector<ObjectInfo> Client::list(std::string_view prefix) {
  std::vector<ObjectInfo> all;
  std::string token;
  do {
    ListPage page = list_page(prefix, token);
    if (!all.empty() && !page.objects.empty() && page.objects.front().key <= all.back().key)
      throw S3Error(Problem::BadReply, "LIST s3://" + options_.bucket + "/" + std::string(prefix) +
                                           ": pages out of order");
    std::move(page.objects.begin(), page.objects.end(), std::back_inserter(all));
    token = std::move(page.next_token);
  } while (!token.empty());
  return all;
}

std::string Client::create_multipart(std::string_view key) {
  Client::Request r = make_request(
      "POST", object_url(key) + "?uploads=",
      "starting a multipart upload of s3://" + options_.bucket + "/" + std::string(key));
  Reply reply = send(r);
  if (reply.status != 200) fail_reply(r, reply, options_.endpoint, &credentials_);
  auto id = xml::text(reply.body, "UploadId");
  if (!id || id->empty()) throw S3Error(Problem::BadReply, r.what + ": the reply has no UploadId");
  return *id;
}

std::string Client::upload_part(std::string_view key, const std::string& upload_id, int part_number,
                                ByteView data) {
  if (part_number < 1 || part_number > 10000)
    fail(ErrorCode::InvalidArgument, "S3 part numbers are 1 to 10000, not " +
                                         std::to_string(part_number) + "; use larger parts");
  Client::Request r = make_request("PUT",
                                   object_url(key) + "?partNumber=" + std::to_string(part_number) +
                                       "&uploadId=" + uri_encode(upload_id),
                                   "uploading part " + std::to_string(part_number) + " of s3://" +
                                       options_.bucket + "/" + std::string(key),
                                   data);
  Reply reply = send(r);
  if (reply.status != 200) fail_reply(r, reply, options_.endpoint, &credentials_);
  if (reply.etag.empty()) throw S3Error(Problem::BadReply, r.what + ": the reply has no ETag");
  return reply.etag;
}

void Client::complete_multipart(std::string_view key, const std::string& upload_id,
                                const std::vector<std::string>& part_etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < part_etags.size(); ++i)
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>\"" +
            xml::escape(part_etags[i]) + "\"</ETag></Part>";
  body += "</CompleteMultipartUpload>";
  Client::Request r = make_request(
      "POST", object_url(key) + "?uploadId=" + uri_encode(upload_id),
      "completing the multipart upload of s3://" + options_.bucket + "/" + std::string(key),
      as_bytes(body));
  r.headers.push_back("Content-Type: application/xml");
  Reply reply = send(r);
  // S3 may answer 200 and still report an error in the body (AWS docs, CompleteMultipartUpload).
  if (reply.status != 200 || xml::text(reply.body, "Code").has_value())
    fail_reply(r, reply, options_.endpoint, &credentials_);
}

void Client::abort_multipart(std::string_view key, const std::string& upload_id) {
  Client::Request r = make_request(
      "DELETE", object_url(key) + "?uploadId=" + uri_encode(upload_id),
      "aborting the multipart upload of s3://" + options_.bucket + "/" + std::string(key));
  Reply reply = send(r);
  if (reply.status == 204 || reply.status == 200) return;
  if (reply.status == 404 && xml::text(reply.body, "Code").value_or("") == "NoSuchUpload") return;
  fail_reply(r, reply, options_.endpoint, &credentials_);
}

std::string Client::presign(Method method, std::string_view key, std::chrono::seconds expires,
                            std::chrono::system_clock::time_point now) const {
  PresignRequest r{.method = method_name(method),
                   .scheme_host = options_.endpoint,
                   .host = host_,
                   .path = "/" + options_.bucket + "/" + uri_encode(key, true),
                   .region = options_.region,
                   .now = now,
                   .expires = expires};
  return presign_url(r, credentials_);
}

// ---- UrlClient ----

namespace {

// The URL without its query (the signature): what messages may show.
std::string without_query(const std::string& url) { return url.substr(0, url.find('?')); }

// The value of query parameter `name` in `url`, or "".
std::string query_value(const std::string& url, const std::string& name) {
  const auto q = url.find('?');
  if (q == std::string::npos) return "";
  const std::string needle = name + "=";
  for (std::size_t at = q + 1; at < url.size();) {
    const auto amp = std::min(url.find('&', at), url.size());
    if (url.compare(at, needle.size(), needle) == 0)
      return url.substr(at + needle.size(), amp - at - needle.size());
    at = amp + 1;
  }
  return "";
}

// True when the SigV4 presigned `url` (X-Amz-Date + X-Amz-Expires) is past its expiry by this
// machine's clock.
bool expired_by_clock(const std::string& url) {
  const std::string date = query_value(url, "X-Amz-Date");
  const std::string expires = query_value(url, "X-Amz-Expires");
  if (date.size() != 16 || expires.empty()) return false;
  std::tm tm{};
  if (::strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return false;
  const auto signed_at = std::chrono::system_clock::from_time_t(::timegm(&tm));
  std::uint64_t seconds = 0;
  const auto [p, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), seconds);
  if (ec != std::errc() || p != expires.data() + expires.size()) return false;
  return std::chrono::system_clock::now() >
         signed_at + std::chrono::seconds(static_cast<std::int64_t>(seconds));
}

// RGW answers an expired presigned URL with a bare 403 AccessDenied: tell that case apart by
// the URL's own expiry.
[[noreturn]] void fail_url_reply(const Client::Request& r, const Client::Reply& reply,
                                 const std::string& url) {
  if (reply.status == 403 && expired_by_clock(url))
    throw S3Error(Problem::Expired,
                  r.what + ": the presigned URL has expired (HTTP 403); ask for a new one");
  fail_reply(r, reply, without_query(url), nullptr);
}

}  // namespace

UrlClient::UrlClient(ClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Client::HandlePool>()) {}

UrlClient::~UrlClient() = default;

bool UrlClient::get_to(const std::string& url, std::uint64_t offset, std::uint64_t length,
                       const std::function<void(ByteView)>& sink) {
  Client::Request r = make_request("GET", url, "GET " + without_query(url));
  if (length > 0)
    r.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                        std::to_string(offset + length - 1));
  r.sink = sink;
  Client::Reply reply = perform(*pool_, options_, stats_, r);
  if (reply.status == 404) return false;
  if (reply.status != 200 && reply.status != 206) fail_url_reply(r, reply, url);
  if (length > 0 && reply.status == 200 && offset != 0)
    throw S3Error(Problem::BadReply, r.what + ": the object store ignored the byte range");
  return true;
}

void UrlClient::put(const std::string& url, ByteView data) {
  Client::Request r = make_request("PUT", url, "PUT " + without_query(url), data);
  Client::Reply reply = perform(*pool_, options_, stats_, r);
  if (reply.status != 200) fail_url_reply(r, reply, url);
}

}  // namespace hangar::s3
