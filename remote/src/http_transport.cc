// HttpTransport: the hangar protocol over HTTP/1.1 with cpp-httplib, in clear (http://) or over
// TLS (https://, tls_client.h). The one place where httplib errors and HTTP statuses become
// hangar errors (STYLE 8.5): transport failures, TLS failures and statuses are Remote (401/403
// with an auth hint, certificates with what to do), a newer protocol is Unsupported, a request
// stopped by an interrupt (Ctrl-C) is Interrupted.
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <httplib.h>
#include <openssl/err.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>

#include "channel.h"
#include "data_protocol.h"
#include "http_connection.h"
#include "http_url.h"
#include "openssl_errors.h"
#include "protocol.h"
#include "tls_client.h"
#include "transports.h"

namespace hangar::remote {
namespace {

constexpr std::size_t kMaxErrorBody = 4096;

// A token goes into a header line: it must fit the server's limit and hold no byte that could
// end or split the line. Throws: InvalidArgument naming HANGAR_TOKEN (where the CLI takes it).
void check_token(const std::string& token) {
  if (token.size() > protocol::kMaxTokenBytes)
    fail(ErrorCode::InvalidArgument,
         "the token in HANGAR_TOKEN is too long: " + std::to_string(token.size()) +
             " bytes, and a server takes at most " + std::to_string(protocol::kMaxTokenBytes) +
             "; check its value");
  for (char c : token)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail(ErrorCode::InvalidArgument,
           "the token in HANGAR_TOKEN holds a space, control or non-ASCII character, which no "
           "token has; check its value");
}

// The plain-HTTP client, reading replies through ConnectionStream's 64 KiB read-ahead instead of
// httplib's SocketStream, which Debian's compiled cpp-httplib 0.11 makes read a body 4 KiB per
// poll + recv (CPPHTTPLIB_RECV_BUFSIZ is fixed in the library): a clone of workload A took 9,600
// of each. Same socket, same timeouts; httplib still owns and closes the socket.
class PlainClient final : public httplib::ClientImpl {
 public:
  using httplib::ClientImpl::ClientImpl;

 private:
  bool process_socket(const Socket& socket,
                      std::function<bool(httplib::Stream& strm)> callback) override {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::seconds(read_timeout_sec_) + std::chrono::microseconds(read_timeout_usec_));
    ConnectionStream stream(std::make_unique<PlainChannel>(socket.sock), -1, timeout);
    return callback(stream);
  }
};

std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

class HttpTransport final : public Transport {
 public:
  HttpTransport(std::string url, const TransportOptions& options)
      : url_(std::move(url)),
        parsed_(parse_http_url(url_)),
        token_(options.token),
        insecure_(options.insecure) {
    check_token(token_);
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
    if (parsed_.tls) {
      auto tls = std::make_unique<httplib::SSLClient>(parsed_.host, parsed_.port);
      configure_tls_client(*tls, parsed_.host, options.insecure);
      tls_ = tls.get();
      cli_ = std::move(tls);
    } else {
      cli_ = std::make_unique<PlainClient>(parsed_.host, parsed_.port);
    }
    cli_->set_connection_timeout(options.connect_timeout_s, 0);
    cli_->set_read_timeout(options.io_timeout_s, 0);
    cli_->set_write_timeout(options.io_timeout_s, 0);
    cli_->set_keep_alive(true);
    cli_->set_decompress(false);  // packs are zstd already; JSON replies are small
    cli_->set_tcp_nodelay(true);
  }
  ~HttpTransport() override {
    const SigpipeGuard no_sigpipe;  // closing a TLS connection sends close_notify
    cli_.reset();
  }
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  const std::string& url() const override { return url_; }

  ServerInfo handshake() override {
    const std::string route = protocol::kInfoRoute;
    auto res = interruptible([&] { return cli_->Get(parsed_.prefix + route, headers()); });
    check(res, route);
    received_ += res->body.size();
    int server_min = 0;
    ServerInfo info = protocol::decode_info(res->body, server_min, "reply from " + url_);
    if (server_min > protocol::kVersion)
      fail(ErrorCode::Unsupported, "remote " + url_ + " speaks hangar protocol " +
                                       std::to_string(info.protocol) + " (at least " +
                                       std::to_string(server_min) + "), newer than this hangar's " +
                                       std::to_string(protocol::kVersion) + "; upgrade hangar");
    if (info.protocol == 1)  // hangar of storage format 1 (docs/decisions/0015)
      fail(ErrorCode::Unsupported,
           "remote " + url_ + " is a hangar of storage format 1 (protocol 1), which this hangar " +
               "(protocol " + std::to_string(protocol::kVersion) + ") does not speak",
           Hint{.action = HintAction::UpgradeRemote, .url = url_});
    if (info.protocol < protocol::kMinVersion)
      fail(ErrorCode::Unsupported,
           "remote " + url_ + " speaks hangar protocol " + std::to_string(info.protocol) +
               ", older than this hangar accepts (" + std::to_string(protocol::kMinVersion) +
               "); upgrade the server");
    version_ = std::min(info.protocol, protocol::kVersion);
    info.protocol = version_;
    store_data_ = std::find(info.capabilities.begin(), info.capabilities.end(),
                            protocol::kStoreCapability) != info.capabilities.end();
    return info;
  }

  RefList list_refs() override {
    const std::string route = protocol::kRefsRoute;
    auto res = interruptible([&] { return cli_->Get(parsed_.prefix + route, headers()); });
    check(res, route);
    received_ += res->body.size();
    return protocol::decode_refs(res->body, "reply from " + url_);
  }

  void fetch_history(const HistoryRequest& request, PackSink& sink) override {
    post_stream(protocol::kHistoryRoute, protocol::encode_history_request(request),
                protocol::kJsonType, sink);
  }

  void fetch_chunks(std::span<const Digest> ids, PackSink& sink) override {
    post_stream(protocol::kChunksRoute, protocol::encode_digests(ids), protocol::kDigestsType,
                sink);
  }

  std::vector<Digest> missing_chunks(std::span<const Digest> ids) override {
    const std::string route = protocol::kMissingRoute;
    const std::string body = protocol::encode_digests(ids);
    auto res = interruptible([&] {
      return cli_->Post(parsed_.prefix + route, headers(), body, protocol::kDigestsType);
    });
    sent_ += body.size();
    check(res, route);
    received_ += res->body.size();
    return protocol::decode_digests(res->body, ids.size(), "reply from " + url_);
  }

  std::optional<ChunkLocations> locate_chunks(std::span<const Digest> ids) override {
    if (!store_data_) return std::nullopt;
    const std::string route = protocol::kLocateRoute;
    const std::string body = protocol::encode_digests(ids);
    auto res = interruptible([&] {
      return cli_->Post(parsed_.prefix + route, headers(), body, protocol::kDigestsType);
    });
    sent_ += body.size();
    check(res, route);
    received_ += res->body.size();
    return protocol::decode_locations(res->body, ids.size(), "reply from " + url_);
  }

  bool uploads_data() const override { return store_data_; }
  bool insecure() const override { return insecure_; }

  std::vector<UploadUrls> begin_upload(std::span<const PackUpload> packs) override {
    if (!store_data_) return Transport::begin_upload(packs);
    const std::string route = protocol::kUploadRoute;
    protocol::UploadRequest request{upload_session_, {packs.begin(), packs.end()}};
    const std::string body = protocol::encode_upload_request(request);
    auto res = interruptible(
        [&] { return cli_->Post(parsed_.prefix + route, headers(), body, protocol::kJsonType); });
    sent_ += body.size();
    check(res, route);
    received_ += res->body.size();
    auto reply = protocol::decode_upload_reply(res->body, packs.size(), "reply from " + url_);
    upload_session_ = reply.session;
    return std::move(reply.urls);
  }

  StoreGcReport collect_store_garbage() override {
    if (!store_data_) return Transport::collect_store_garbage();
    const std::string route = protocol::kStoreGcRoute;
    auto res = interruptible(
        [&] { return cli_->Post(parsed_.prefix + route, headers(), "{}", protocol::kJsonType); });
    check(res, route);
    received_ += res->body.size();
    return protocol::decode_gc_report(res->body, "reply from " + url_);
  }

  PushReply push(std::span<const RefUpdate> updates, PackSource& pack) override {
    // Ask first whether a push is allowed (token, read-only server): a refusal sent while the
    // pack is still uploading could be lost when the server closes the connection.
    {
      const std::string check_route = protocol::kPushCheckRoute;
      auto res = interruptible([&] { return cli_->Get(parsed_.prefix + check_route, headers()); });
      check(res, check_route);
    }
    const std::string route = protocol::kPushRoute;
    httplib::Headers h = headers();
    h.emplace(protocol::kPushHeader, protocol::encode_updates(updates));
    if (!upload_session_.empty()) h.emplace(protocol::kUploadHeader, upload_session_);
    upload_session_.clear();
    std::exception_ptr error;
    std::atomic<bool> pack_sent{false};  // then the outcome is the server's: no interrupt
    auto provider = [&](std::size_t, httplib::DataSink& sink) {
      try {
        ByteView piece = pack.next();
        if (piece.empty()) {
          pack_sent = true;
          sink.done();
          return true;
        }
        if (!sink.write(reinterpret_cast<const char*>(piece.data()), piece.size())) return false;
        sent_ += piece.size();
        failpoint("push-mid-stream");  // tests: the client dies after its first piece
        return true;
      } catch (...) {
        error = std::current_exception();
        return false;
      }
    };
    auto res = interruptible(
        [&] { return cli_->Post(parsed_.prefix + route, h, provider, protocol::kPackType); },
        [&] { return !pack_sent; });
    if (error) std::rethrow_exception(error);
    // Once the whole pack is out, the server may have applied it before the connection broke
    // (it died, or the network did, before its reply): the outcome is unknown, not "nothing".
    if (!res && pack_sent)
      fail(ErrorCode::Remote, "remote " + url_ + " (" + route +
                                  "): the connection broke after the whole push was sent (did "
                                  "the server stop?); the remote may have applied it: push "
                                  "again (a push it applied is then up to date)");
    if (!res) fail_transport(res.error(), route);
    received_ += res->body.size();
    if (res->status == 200 || res->status == 409)
      return protocol::decode_push_reply(res->body, "reply from " + url_);
    fail_status(res->status, res->body, route);
  }

  std::uint64_t bytes_received() const override { return received_; }
  std::uint64_t bytes_sent() const override { return sent_; }

 private:
  httplib::Headers headers() const {
    httplib::Headers h{{protocol::kVersionHeader, std::to_string(version_)}};
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    return h;
  }

  // Runs `send` (one request). An interrupt stops the request at once, even while it waits on
  // the server (shutting its socket down), and it then fails with Interrupted; `stoppable` says
  // whether it still may (a push that sent its whole pack may not: the server decides).
  httplib::Result interruptible(
      const std::function<httplib::Result()>& send,
      const std::function<bool()>& stoppable = [] { return true; }) {
    check_interrupt();
    // A TLS write to a connection the server closed raises SIGPIPE (openssl_errors.h).
    const SigpipeGuard no_sigpipe;
    ERR_clear_error();  // what OpenSSL queues now explains a TLS failure of this request
    httplib::Result res = [&] {
      InterruptWatch watch([&] {
        const SigpipeGuard on_this_thread_too;
        if (stoppable()) cli_->stop();
      });
      return send();
    }();
    if (!res && stoppable()) check_interrupt();
    return res;
  }

  // Streams a POST reply into `sink`; an error reply is collected (capped) for the message.
  void post_stream(const std::string& route, const std::string& body, const char* type,
                   PackSink& sink) {
    httplib::Request req;
    req.method = "POST";
    req.path = parsed_.prefix + route;
    req.headers = headers();
    req.set_header("Content-Type", type);
    req.body = body;
    int status = 0;
    std::string error_body;
    std::exception_ptr error;
    req.response_handler = [&](const httplib::Response& r) {
      status = r.status;
      return true;
    };
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
      if (status != 200) {
        error_body.append(data,
                          std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, error_body.size())));
        return true;
      }
      try {
        sink.write(ByteView(reinterpret_cast<const std::byte*>(data), n));
        received_ += n;
        return true;
      } catch (...) {
        error = std::current_exception();
        return false;
      }
    };
    sent_ += body.size();
    auto res = interruptible([&] { return cli_->send(req); });
    if (error) std::rethrow_exception(error);
    if (!res) fail_transport(res.error(), route);
    if (res->status != 200) fail_status(res->status, error_body, route);
  }

  void check(const httplib::Result& res, const std::string& route) const {
    if (!res) fail_transport(res.error(), route);
    if (res->status != 200) fail_status(res->status, res->body, route);
  }

  [[noreturn]] void fail_transport(httplib::Error err, const std::string& route) const {
    std::string why;
    switch (err) {
      case httplib::Error::Connection:
        fail(ErrorCode::Remote,
             "remote " + url_ + " (" + route + "): cannot connect: nothing is listening there",
             Hint{.action = HintAction::StartServer});
      case httplib::Error::ConnectionTimeout:
        why = "connection timed out";
        break;
      case httplib::Error::Read:
        why =
            "the connection broke while receiving (did the server stop?); nothing was "
            "applied, retry";
        break;
      case httplib::Error::Write:
        why = "the connection broke while sending (did the server stop?); retry";
        break;
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        why = describe_tls_failure(err, tls_ ? tls_->get_openssl_verify_result() : 0, parsed_.host,
                                   take_openssl_errors());
        break;
      default:
        why = httplib::to_string(err);
        break;
    }
    fail(ErrorCode::Remote, "remote " + url_ + " (" + route + "): " + why);
  }

  [[noreturn]] void fail_status(int status, std::string_view body, const std::string& route) const {
    const std::string msg = one_line(protocol::decode_error(body));
    const std::string where = "remote " + url_;
    switch (status) {
      case 401:
        fail(ErrorCode::Remote, where + " refused the request (401 unauthorized): " + msg);
      case 403:
        fail(ErrorCode::Remote, where + " refused the request (403 forbidden): " + msg);
      case 404:
        if (body.rfind("{\"error\"", 0) == 0)  // a hangar server: something was not found
          fail(ErrorCode::Remote, where + " (" + route + "): " + msg);
        fail(ErrorCode::Remote,
             where + " has no route " + route + " (404); is it a hangar server?");
      case 426:
        fail(ErrorCode::Unsupported, where + ": " + msg);
      default:
        fail(ErrorCode::Remote,
             where + " (" + route + ") answered HTTP " + std::to_string(status) + ": " + msg);
    }
  }

  std::string url_;
  HttpUrl parsed_;
  std::unique_ptr<httplib::ClientImpl> cli_;
  httplib::SSLClient* tls_ = nullptr;  // cli_ when https://
  std::string token_;
  bool insecure_ = false;
  int version_ = protocol::kVersion;
  bool store_data_ = false;     // the server keeps chunk data in an object store
  std::string upload_session_;  // the uploads the next push completes
  std::uint64_t received_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(const std::string& url,
                                               const TransportOptions& options) {
  return std::make_unique<HttpTransport>(url, options);
}

}  // namespace hangar::remote
