// One S3 request through libcurl, retries and error classification (request.h). The one place
// where curl codes and HTTP statuses become S3Errors.
#include "request.h"

#include <hangar/base/interrupt.h>
#include <hangar/s3/presign.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "xml.h"

namespace hangar::s3 {
namespace {

constexpr std::size_t kMaxErrorBody = 4096;
constexpr std::size_t kMaxIdleHandles = 16;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      fail(ErrorCode::Internal, "curl_global_init failed");
  });
}

struct Transfer {
  Client::Request* request = nullptr;
  Client::Reply reply;
  CURL* handle = nullptr;
  std::size_t upload_at = 0;
  std::exception_ptr error;  // thrown by the sink
  ClientStats* stats = nullptr;
};

bool is_success(long status) { return status >= 200 && status < 300; }

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t.handle, CURLINFO_RESPONSE_CODE, &status);
  t.stats->bytes_received.fetch_add(n, std::memory_order_relaxed);
  if (is_success(status) && t.request->sink) {
    try {
      t.reply.sunk = true;
      t.request->sink(ByteView(reinterpret_cast<const std::byte*>(data), n));
    } catch (...) {
      t.error = std::current_exception();
      return 0;  // aborts with CURLE_WRITE_ERROR
    }
    return n;
  }
  const std::size_t cap = is_success(status) ? t.request->max_body : kMaxErrorBody;
  if (t.reply.body.size() + n > cap) {
    if (is_success(status)) {
      t.error = std::make_exception_ptr(
          S3Error(Problem::BadReply, t.request->what + ": the reply is larger than " +
                                         std::to_string(cap) + " bytes, more than expected"));
      return 0;
    }
    t.reply.body.append(data, cap - std::min(cap, t.reply.body.size()));
    return n;
  }
  t.reply.body.append(data, n);
  return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const ByteView body = t.request->body;
  const std::size_t n = std::min(size * count, body.size() - t.upload_at);
  std::memcpy(buffer, body.data() + t.upload_at, n);
  t.upload_at += n;
  t.stats->bytes_sent.fetch_add(n, std::memory_order_relaxed);
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {  // a new reply (after "100 Continue"): forget the last one
    t.reply.etag.clear();
    t.reply.content_length.reset();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string name = lower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "etag") {
    std::string etag(value);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
      etag = etag.substr(1, etag.size() - 2);
    t.reply.etag = etag;
  } else if (name == "content-length") {
    std::uint64_t v = 0;
    bool ok = !value.empty() && value.size() <= 19;
    for (const char c : value) {
      if (c < '0' || c > '9')
        ok = false;
      else
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (ok) t.reply.content_length = v;
  }
  return n;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return interrupted() ? 1 : 0;
}

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool retryable_code(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// Waits before retry `attempt` (1-based), in slices, so that an interrupt is not kept waiting.
void backoff(const ClientOptions& options, int attempt) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto limit = std::min<std::int64_t>(options.backoff_cap.count(),
                                            options.backoff_base.count() << std::min(attempt, 20));
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(limit, 0));
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pick(rng));
  while (std::chrono::steady_clock::now() < until) {
    check_interrupt();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
  }
}

// A curl_slist freed at scope end.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (next == nullptr) fail(ErrorCode::Internal, "out of memory building HTTP headers");
    list = next;
  }
};

// Sets up `h` for one attempt of `t.request`.
void prepare(CURL* h, Transfer& t, const ClientOptions& options, HeaderList& headers,
             std::string& sigv4, std::string& userpwd_user, char* error_buffer) {
  Client::Request& r = *t.request;
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // TLS (TlsOptions): libcurl's defaults are the system's CA bundle and full verification; it
  // reads neither SSL_CERT_FILE nor SSL_CERT_DIR itself.
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options.tls.ca_file.empty())
    curl_easy_setopt(h, CURLOPT_CAINFO, options.tls.ca_file.c_str());
  if (!options.tls.ca_dir.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, options.tls.ca_dir.c_str());
  if (options.tls.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (r.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (r.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  } else if (r.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(r.body.data()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    t.stats->bytes_sent.fetch_add(r.body.size(), std::memory_order_relaxed);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  for (const auto& line : r.headers) headers.add(line);
  if (r.credentials != nullptr) {
    // RGW (and S3) want the payload hash header on every signed request; libcurl 7.88 signs
    // it when it is there. The body is in memory, so it is the real hash, not UNSIGNED-PAYLOAD.
    headers.add(
        "x-amz-content-sha256: " +
        sha256_hex(std::string_view(reinterpret_cast<const char*>(r.body.data()), r.body.size())));
    if (!r.credentials->session_token.empty())
      headers.add("x-amz-security-token: " + r.credentials->session_token);
    sigv4 = "aws:amz:" + r.region + ":s3";
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    userpwd_user = r.credentials->access_key_id;
    curl_easy_setopt(h, CURLOPT_USERNAME, userpwd_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, r.credentials->secret_access_key.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

// The CA certificates a verification used, for messages: "the system's CA certificates", or
// "SSL_CERT_FILE '/x/ca.pem'" (with "(which cannot be read: ...)" when it cannot be).
std::string describe_trust(const TlsOptions& tls) {
  if (tls.ca_file.empty() && tls.ca_dir.empty()) return "the system's CA certificates";
  std::string out;
  if (!tls.ca_file.empty()) {
    out = "SSL_CERT_FILE '" + tls.ca_file + "'";
    std::ifstream in(tls.ca_file);
    if (!in) out += " (which cannot be read: " + std::string(std::strerror(errno)) + ")";
  }
  if (!tls.ca_dir.empty())
    out += (out.empty() ? "" : " and ") + ("SSL_CERT_DIR '" + tls.ca_dir + "'");
  return out;
}

[[noreturn]] void fail_transport(const Client::Request& r, const ClientOptions& options,
                                 CURLcode rc, const char* error_buffer, int attempts,
                                 std::chrono::steady_clock::time_point start) {
  const std::string detail = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc);
  // "http://host:port" of the URL (never its query: a presigned URL's signature is a secret).
  const auto host_end = r.url.find('/', r.url.find("://") + 3);
  const std::string endpoint = r.url.substr(0, std::min(host_end, r.url.find('?')));
  const std::string tries = " (" + std::to_string(attempts) + (attempts == 1 ? " try" : " tries") +
                            " in " + seconds_since(start) + ": " + detail + ")";
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      throw S3Error(Problem::EndpointDown,
                    r.what + ": the object store endpoint " + endpoint +
                        " is down, nothing answers there" + tries +
                        "; check the endpoint URL and that the object store runs");
    case CURLE_OPERATION_TIMEDOUT:
      throw S3Error(Problem::Timeout, r.what + ": the object store at " + endpoint +
                                          " stopped answering" + tries +
                                          "; check that it runs and is not overloaded, retry");
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      throw S3Error(Problem::EndpointDown, r.what + ": the connection to the object store at " +
                                               endpoint + " broke" + tries +
                                               "; check that it runs, retry");
    case CURLE_PEER_FAILED_VERIFICATION:
      throw S3Error(Problem::Tls,
                    r.what + ": cannot verify the TLS certificate of the object store at " +
                        endpoint + " (" + detail + ") with " + describe_trust(options.tls) +
                        "; if a private CA signed it, trust that CA with SSL_CERT_FILE=CA.pem, "
                        "or skip the check with " +
                        options.tls.insecure_flag);
    case CURLE_SSL_CACERT_BADFILE:
      throw S3Error(Problem::Tls, r.what + ": cannot load the CA certificates of " +
                                      describe_trust(options.tls) + " (" + detail +
                                      "); point SSL_CERT_FILE at a PEM file of CA certificates");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
      throw S3Error(Problem::Tls, r.what + ": the TLS handshake with the object store at " +
                                      endpoint + " failed (" + detail +
                                      "); check that the endpoint speaks HTTPS there, or use an "
                                      "http:// endpoint for one that does not");
    default:
      throw S3Error(Problem::Other, r.what + ": request failed" + tries);
  }
}

}  // namespace

TlsOptions TlsOptions::from_env() {
  TlsOptions o;
  if (const char* f = std::getenv("SSL_CERT_FILE"); f != nullptr) o.ca_file = f;
  if (const char* d = std::getenv("SSL_CERT_DIR"); d != nullptr) o.ca_dir = d;
  return o;
}

Client::HandlePool::HandlePool() { global_init(); }

Client::HandlePool::~HandlePool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* Client::HandlePool::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (h == nullptr) fail(ErrorCode::Internal, "curl_easy_init failed (out of memory?)");
  return h;
}

void Client::HandlePool::give(CURL* handle) noexcept {
  curl_easy_reset(handle);  // keeps the connection cache
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(handle);
}

Client::Reply perform(Client::HandlePool& pool, const ClientOptions& options, ClientStats& stats,
                      Client::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 0;; ++attempt) {
    check_interrupt();
    CURL* h = pool.take();
    struct Lease {
      Client::HandlePool& pool;
      CURL* h;
      ~Lease() { pool.give(h); }
    } lease{pool, h};
    Transfer t;
    t.request = &request;
    t.handle = h;
    t.stats = &stats;
    HeaderList headers;
    std::string sigv4, user;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    prepare(h, t, options, headers, sigv4, user, error_buffer);
    const CURLcode rc = curl_easy_perform(h);
    stats.requests.fetch_add(1, std::memory_order_relaxed);
    if (t.error) std::rethrow_exception(t.error);
    if (rc == CURLE_ABORTED_BY_CALLBACK) check_interrupt();
    const bool can_retry = attempt < options.max_retries && !t.reply.sunk;
    if (rc != CURLE_OK) {
      if (can_retry && retryable_code(rc)) {
        stats.retries.fetch_add(1, std::memory_order_relaxed);
        backoff(options, attempt + 1);
        continue;
      }
      fail_transport(request, options, rc, error_buffer, attempt + 1, start);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.reply.status);
    if (retryable_status(t.reply.status)) {
      if (can_retry) {
        stats.retries.fetch_add(1, std::memory_order_relaxed);
        backoff(options, attempt + 1);
        continue;
      }
      const std::string code = xml::text(t.reply.body, "Code").value_or("");
      const bool slow = t.reply.status == 429 || code == "SlowDown";
      throw S3Error(slow ? Problem::Throttled : Problem::ServerError,
                    request.what + ": the object store answered HTTP " +
                        std::to_string(t.reply.status) + (code.empty() ? "" : " " + code) + " " +
                        std::to_string(attempt + 1) + " times in " + seconds_since(start) +
                        (slow ? "; it is overloaded, retry later" : "; retry later"));
    }
    return std::move(t.reply);
  }
}

void fail_reply(const Client::Request& request, const Client::Reply& reply,
                const std::string& endpoint, const Credentials* credentials) {
  const std::string code = xml::text(reply.body, "Code").value_or("");
  std::string message = xml::text(reply.body, "Message").value_or("");
  for (char& c : message)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  const std::string status = "HTTP " + std::to_string(reply.status) +
                             (code.empty() ? "" : " " + code) +
                             (message.empty() ? "" : ": " + message);
  const std::string key_named =
      credentials != nullptr
          ? "access key '" + credentials->access_key_id + "' (from " + credentials->source + ")"
          : "the presigned URL";
  const std::string& what = request.what;
  if (code == "InvalidAccessKeyId")
    throw S3Error(Problem::Credentials,
                  what + ": wrong credentials: " + key_named + " is unknown to " + endpoint + " (" +
                      status + "); check AWS_ACCESS_KEY_ID or the AWS_PROFILE profile");
  if (code == "SignatureDoesNotMatch")
    throw S3Error(Problem::Credentials,
                  what + ": wrong credentials: the signature does not match, so the secret key " +
                      "of " + key_named + " is wrong (" + status +
                      "); check AWS_SECRET_ACCESS_KEY or the AWS_PROFILE profile");
  if (code == "InvalidToken" || code == "InvalidSecurity" || code == "TokenRefreshRequired")
    throw S3Error(Problem::Credentials, what + ": wrong credentials: the session token of " +
                                            key_named + " is not valid (" + status +
                                            "); check AWS_SESSION_TOKEN");
  if (code == "ExpiredToken" || code == "RequestTimeTooSkewed" ||
      (reply.status == 403 && message.find("xpired") != std::string::npos))
    throw S3Error(Problem::Expired, what + ": " + (credentials ? key_named : "the presigned URL") +
                                        " has expired (" + status +
                                        "); ask for a new one, and check the clocks agree");
  if (code == "NoSuchBucket")
    throw S3Error(Problem::NoSuchBucket,
                  what + ": the bucket does not exist at " + endpoint + " (" + status +
                      "); check the bucket name in the s3:// URL, or create the bucket");
  if (code == "NoSuchKey")
    throw S3Error(Problem::NoSuchKey, what + ": no such object (" + status + ")");
  if ((code == "AccessDenied" || reply.status == 403) && credentials == nullptr)
    throw S3Error(Problem::AccessDenied,
                  what + ": the presigned URL was refused (" + status +
                      "); it names another method or object, or its signer's keys changed");
  if (code == "AccessDenied" || reply.status == 403)
    throw S3Error(Problem::AccessDenied,
                  what + ": access denied to " + key_named + " (" + status +
                      "); the keys are valid but lack permission for this bucket");
  if (reply.status == 404) throw S3Error(Problem::NoSuchKey, what + ": not found (" + status + ")");
  throw S3Error(Problem::Other, what + ": the object store refused the request (" + status + ")");
}

}  // namespace hangar::s3
