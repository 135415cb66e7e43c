// Server: the hangar protocol over HTTP/1.1 with cpp-httplib (docs/format/protocol.md), in clear
// or over TLS (the connections' bytes: http_connection.h).
// Pack replies stream through chunked content providers and push bodies through content
// readers, so a request holds one pack piece in memory, never a whole pack.
#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/remote/server.h>
#include <hangar/transfer.h>
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "auth.h"
#include "data_protocol.h"
#include "http_connection.h"
#include "http_url.h"
#include "protocol.h"
#include "service.h"
#include "store_backing.h"
#include "tls_server_context.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

// Connections the kernel queues before the server accepts them.
constexpr int kListenBacklog = 256;

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::Corrupt:
      return 400;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::Unsupported:
      return 426;
    case ErrorCode::Locked:
      return 503;
    case ErrorCode::Remote:
      return 400;
    default:
      return 500;
  }
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(protocol::encode_error(message), protocol::kJsonType);
}

// Reads a whole (small) request body, refusing more than `cap` bytes.
std::string read_body(const httplib::ContentReader& reader, std::size_t cap) {
  std::string body;
  bool too_big = false;
  reader([&](const char* data, std::size_t n) {
    if (body.size() + n > cap) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big)
    fail(ErrorCode::InvalidArgument,
         "request body is over the limit of " + std::to_string(cap) + " bytes");
  return body;
}

// Why binding `bind`:`port` failed, asked again of the kernel with a socket of our own (httplib
// says only that it failed). Throws: Io.
[[noreturn]] void fail_bind(const std::string& bind, int port) {
  const std::string where = bind + ":" + std::to_string(port);
  int err = 0;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(bind.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    fail(ErrorCode::Io, "cannot listen on " + where + ": '" + bind +
                            "' is not an address of this machine; pick another --bind");
  const int sock = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(sock, found->ai_addr, found->ai_addrlen) != 0 || ::listen(sock, 1) != 0) err = errno;
    ::close(sock);
  } else {
    err = errno;
  }
  ::freeaddrinfo(found);
  if (err == EADDRINUSE)
    fail(ErrorCode::Io,
         "cannot listen on " + where + ": port " + std::to_string(port) +
             " is already in use (another server?)",
         Hint{.action = HintAction::OtherPort});
  if (err == EADDRNOTAVAIL)
    fail(ErrorCode::Io, "cannot listen on " + where + ": '" + bind +
                            "' is not an address of this machine; pick another --bind");
  if (err == EACCES)
    fail(ErrorCode::Io, "cannot listen on " + where +
                            ": permission denied (ports below 1024 need privileges); pick "
                            "another --port");
  fail(ErrorCode::Io, "cannot listen on " + where + ": " +
                          (err != 0 ? std::string(std::strerror(err)) : "unknown error") +
                          "; pick another --port or --bind");
}

// httplib's stop() only acts on a running accept loop; a server stopped before it got there
// would keep its bound socket accepting connections nobody serves. close_socket() closes it
// (atomically, so it never double-closes with stop()); the accept loop then ends at once.
//
// Each accepted connection is served by `gate` (http_connection.h) on a thread of its own, in
// place of httplib's fixed pool and its per-read timeouts: httplib calls the virtual
// process_and_close_socket for every connection, and process_request parses one request.
class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(ConnectionGate& gate) : gate_(gate) {
    new_task_queue = [] { return new ThreadPerTask; };
  }
  // httplib listens with a backlog of 5: a burst of connections beyond it has its SYNs dropped
  // and waits for the client's retransmission (1 s, then 3 s, ...). Linux takes a second
  // listen() on a listening socket as a new backlog.
  void set_backlog(int backlog) noexcept {
    const auto sock = svr_sock_.load();
    if (sock != INVALID_SOCKET) ::listen(sock, backlog);
  }
  void close_socket() noexcept {
    const auto sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) {
      ::shutdown(sock, SHUT_RDWR);
      ::close(sock);
    }
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    gate_.serve(sock, [this](httplib::Stream& strm, bool close_connection, bool& closed) {
      return process_request(strm, close_connection, closed, nullptr);
    });
    return true;
  }
  ConnectionGate& gate_;
};

// The certificate and key, loaded and checked before anything else starts; null without TLS.
std::shared_ptr<const TlsServerContext> tls_of(const ServerOptions& o) {
  if (!o.tls_cert && !o.tls_key) return nullptr;
  if (!o.tls_cert || !o.tls_key)
    fail(ErrorCode::InvalidArgument,
         std::string("TLS needs both a certificate and its key: ") +
             (o.tls_cert ? "--tls-key KEY.pem" : "--tls-cert CERT.pem") + " is missing");
  return TlsServerContext::load(*o.tls_cert, *o.tls_key);
}

ConnectionLimits limits_of(const ServerOptions& o) {
  ConnectionLimits l;
  l.max_connections = std::max<std::size_t>(1, o.max_connections);
  l.head_timeout = o.head_timeout;
  l.idle_timeout = o.idle_timeout;
  return l;
}

}  // namespace

struct Server::Impl {
  explicit Impl(const ServerOptions& o) : options(o), gate(limits_of(o), tls_of(o)), http(gate) {}
  ServerOptions options;
  ConnectionGate gate;  // before http, which serves through it
  Auth auth;
  int protocol = protocol::kVersion;
  int min_protocol = protocol::kMinVersion;
  bool writable = false;
  std::optional<Repository> repo;
  std::unique_ptr<store::StoreBacking> store;  // chunk data in an object store, or null
  Server::Migrated migrated;
  std::optional<RepoService> service;
  HttpServer http;
  int port = 0;
  std::atomic<bool> stopping{false};

  // Runs `fn`, turning errors into a JSON error reply.
  template <typename Fn>
  void guard(httplib::Response& res, Fn&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      reply_error(res, status_of(e.code()), e.what());
    } catch (const std::exception& e) {
      std::cerr << "hangar server: internal error: " << e.what() << '\n';
      reply_error(res, 500, std::string("internal server error: ") + e.what());
    }
  }

  // Tests: half-way through the first piece of a pack, die (server-mid-history for a history
  // pack, server-mid-pack for a data pack), or stall a data pack like a hung network until
  // the server stops, saying so on stderr (server-stall-pack). Returns false when the stream
  // must end there.
  bool first_piece_failpoints(httplib::DataSink& sink, ByteView piece, bool data) {
    const bool armed =
        data ? failpoint_armed("server-mid-pack") || failpoint_armed("server-stall-pack")
             : failpoint_armed("server-mid-history");
    if (!armed) return true;
    sink.write(reinterpret_cast<const char*>(piece.data()), piece.size() / 2);
    failpoint(data ? "server-mid-pack" : "server-mid-history");
    std::cerr << "hangar server: failpoint server-stall-pack: stalled mid-pack\n" << std::flush;
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!stopping && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return false;
  }

  // Streams `producer` as a chunked pack reply.
  void stream(httplib::Response& res, std::unique_ptr<PackProducer> producer, bool data) {
    std::shared_ptr<PackProducer> p(producer.release());
    auto pieces = std::make_shared<std::uint64_t>(0);
    res.set_chunked_content_provider(
        protocol::kPackType, [this, p, pieces, data](std::size_t, httplib::DataSink& sink) {
          try {
            ByteView piece = p->next();
            if (piece.empty()) {
              sink.done();
              return true;
            }
            if (++*pieces == 1 && !first_piece_failpoints(sink, piece, data)) return false;
            return sink.write(reinterpret_cast<const char*>(piece.data()), piece.size());
          } catch (const std::exception& e) {
            // Headers are gone: the client sees a pack without its trailer and applies nothing.
            std::cerr << "hangar server: pack stream aborted: " << e.what() << '\n';
            return false;
          }
        });
  }

  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res) {
    const bool push = req.path == protocol::kPushRoute || req.path == protocol::kPushCheckRoute ||
                      req.path == protocol::kUploadRoute || req.path == protocol::kStoreGcRoute;
    const AuthDecision d = auth.check(push ? Access::Write : Access::Read,
                                      bearer_token(req.get_header_value("Authorization")));
    if (d.status != 0) {
      reply_error(res, d.status, d.message);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path != protocol::kInfoRoute) {
      const std::string v = req.get_header_value(protocol::kVersionHeader);
      int version = 0;
      try {
        version = v.empty() ? 0 : std::stoi(v);
      } catch (const std::exception&) {
        version = 0;
      }
      if (version < min_protocol || version > protocol) {
        reply_error(res, 426,
                    "client speaks hangar protocol '" + v + "'; this server speaks " +
                        std::to_string(min_protocol) + " to " + std::to_string(protocol) +
                        "; upgrade the older side");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void routes() {
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return pre_route(req, res);
    });
    http.Get(protocol::kInfoRoute, [this](const httplib::Request&, httplib::Response& res) {
      guard(res, [&] {
        res.set_content(protocol::encode_info(service->info(), min_protocol), protocol::kJsonType);
      });
    });
    http.Get(protocol::kRefsRoute, [this](const httplib::Request&, httplib::Response& res) {
      guard(res,
            [&] { res.set_content(protocol::encode_refs(service->refs()), protocol::kJsonType); });
    });
    http.Get(protocol::kPushCheckRoute, [this](const httplib::Request&, httplib::Response& res) {
      guard(res, [&] {
        if (!writable) fail(ErrorCode::Remote, "this server does not accept pushes");
        res.set_content("{\"push\":true}", protocol::kJsonType);
      });
    });
    http.Post(protocol::kHistoryRoute, [this](const httplib::Request&, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
      guard(res, [&] {
        const std::string body = read_body(reader, protocol::kMaxJsonBytes);
        stream(res, service->history(protocol::decode_history_request(body, "history request")),
               false);
      });
    });
    http.Post(protocol::kChunksRoute, [this](const httplib::Request&, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
      guard(res, [&] {
        const std::string body = read_body(reader, kMaxDigestsPerRequest * Digest::kSize);
        stream(
            res,
            service->chunks(protocol::decode_digests(body, kMaxDigestsPerRequest, "chunk request")),
            true);
      });
    });
    http.Post(protocol::kMissingRoute, [this](const httplib::Request&, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
      guard(res, [&] {
        const std::string body = read_body(reader, kMaxDigestsPerRequest * Digest::kSize);
        const auto ids = protocol::decode_digests(body, kMaxDigestsPerRequest, "missing request");
        res.set_content(protocol::encode_digests(service->missing(ids)), protocol::kDigestsType);
      });
    });
    http.Post(protocol::kLocateRoute, [this](const httplib::Request&, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
      guard(res, [&] {
        if (!store)
          fail(ErrorCode::NotFound, "this server keeps chunk data itself, not in an object store");
        const std::string body = read_body(reader, kMaxDigestsPerRequest * Digest::kSize);
        const auto ids = protocol::decode_digests(body, kMaxDigestsPerRequest, "locate request");
        res.set_content(protocol::encode_locations(store->locate(ids)), protocol::kJsonType);
      });
    });
    http.Post(protocol::kUploadRoute, [this](const httplib::Request&, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
      guard(res, [&] {
        if (!writable) fail(ErrorCode::Remote, "this server does not accept pushes");
        if (!store) fail(ErrorCode::NotFound, "this server takes chunks in the push itself");
        const std::string body = read_body(reader, protocol::kMaxJsonBytes);
        const auto request = protocol::decode_upload_request(body, "upload request");
        res.set_content(protocol::encode_upload_reply(store->grant(request)), protocol::kJsonType);
      });
    });
    http.Post(protocol::kStoreGcRoute, [this](const httplib::Request&, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
      guard(res, [&] {
        if (!writable) fail(ErrorCode::Remote, "this server is read-only: gc needs write access");
        if (!store) fail(ErrorCode::NotFound, "this server keeps no chunk data in an object store");
        (void)read_body(reader, protocol::kMaxJsonBytes);
        const auto grace = options.store_gc_grace_s
                               ? std::chrono::seconds(*options.store_gc_grace_s)
                               : store->gc_grace();
        res.set_content(protocol::encode_gc_report(service->gc_store(grace)), protocol::kJsonType);
      });
    });
    http.Post(protocol::kPushRoute, [this](const httplib::Request& req, httplib::Response& res,
                                           const httplib::ContentReader& reader) {
      guard(res, [&] { push(req, res, reader); });
    });
  }

  void push(const httplib::Request& req, httplib::Response& res,
            const httplib::ContentReader& reader) {
    if (!writable) fail(ErrorCode::Remote, "this server does not accept pushes");
    auto updates =
        protocol::decode_updates(req.get_header_value(protocol::kPushHeader), "push header");
    const std::string upload = req.get_header_value(protocol::kUploadHeader);
    if (!upload.empty() && !protocol::is_session_id(upload))
      fail(ErrorCode::InvalidArgument, "bad upload session id in the push header");
    auto session = service->begin_push(std::move(updates), "client " + req.remote_addr, upload);
    std::exception_ptr error;
    const bool read = reader([&](const char* data, std::size_t n) {
      try {
        session->sink().write(ByteView(reinterpret_cast<const std::byte*>(data), n));
        return true;
      } catch (...) {
        error = std::current_exception();
        return false;
      }
    });
    if (error) std::rethrow_exception(error);
    if (!read)
      fail(ErrorCode::Remote,
           "the push from " + req.remote_addr + " broke off before its end; nothing was applied");
    const PushReply reply = session->finish();
    res.status = reply.accepted ? 200 : 409;
    res.set_content(protocol::encode_push_reply(reply), protocol::kJsonType);
  }
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {
  Impl& s = *impl_;
  s.auth = Auth::load(options.tokens_file, options.anonymous_read);
  if (options.protocol_version > 0) {  // tests: a server that speaks only this newer version
    s.protocol = options.protocol_version;
    s.min_protocol = options.protocol_version;
  }
  std::error_code ec;
  fs::path root = fs::absolute(options.root, ec).lexically_normal();
  if (ec) fail_errno(ec.value(), "cannot resolve path", options.root.string());
  if (!root.has_filename()) root = root.parent_path();
  if (!fs::is_directory(root / ".hangar", ec))
    fail(ErrorCode::NotFound, "'" + root.string() + "' is not a hangar repository",
         Hint{.action = HintAction::Init});
  s.writable = s.auth.has_write_tokens();
  s.repo.emplace(
      Repository::open(root, s.writable ? Repository::Mode::Shared : Repository::Mode::Read));
  if (!options.store.empty()) {
    store::StoreConfig config{options.store, options.s3_endpoint, options.s3_region};
    config.insecure = options.s3_insecure;
    config.insecure_flag = "--s3-insecure";
    if (options.presign_ttl_s)
      config.get_url_ttl = config.put_url_ttl = std::chrono::seconds(*options.presign_ttl_s);
    s.store = store::StoreBacking::open(config);
  }
  s.service.emplace(*s.repo, root.filename().string(), s.protocol, !s.writable);
  if (s.store) {
    s.service->set_store(s.store.get());
    // The repository holds history only: its chunks are in the store, not missing (summary,
    // fsck and checkouts on it must not take them for local).
    if (s.writable) {
      auto lock = s.repo->lock_writer(kPushLockWait);
      transfer::set_store_url(*s.repo, options.store);
    }
    // Chunks on the repository's own disk that the store lacks would be invisible to clients
    // (decision 0019): upload them first, or refuse.
    const std::vector<Digest> lacking = s.service->chunks_not_in_store();
    if (!lacking.empty() && !options.migrate_local)
      fail(ErrorCode::InvalidArgument,
           "'" + root.string() + "' holds " + std::to_string(lacking.size()) +
               " chunks on its own disk that " + s.store->describe() +
               " lacks (served before without --store, or local work since), which clients of "
               "this server would not get; start it once with --migrate to upload them into the "
               "store first (safe to interrupt and run again)");
    if (!lacking.empty()) {
      const auto report = s.service->migrate_to_store(lacking, options.migrate_progress);
      s.migrated = {report.chunks, report.bytes, report.packs};
    }
  }
  s.http.set_tcp_nodelay(true);  // deadlines, keep-alive and limits: ConnectionGate
  s.routes();
  // SO_REUSEADDR (a restart binds over connections in TIME_WAIT) but not httplib's default
  // SO_REUSEPORT, with which a second server bound the same port and the kernel spread
  // connections between the two.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (options.port == 0) {
    s.port = s.http.bind_to_any_port(options.bind);
  } else {
    s.port = s.http.bind_to_port(options.bind, options.port) ? options.port : -1;
  }
  if (s.port <= 0) fail_bind(options.bind, options.port);
  s.http.set_backlog(kListenBacklog);
}

Server::~Server() { stop(); }

int Server::port() const noexcept { return impl_->port; }

std::string Server::url() const {
  return format_http_url(impl_->gate.is_tls(), impl_->options.bind, impl_->port);
}

bool Server::read_only() const noexcept { return !impl_->writable; }

std::string Server::store() const { return impl_->store ? impl_->store->describe() : ""; }

Server::Migrated Server::migrated() const noexcept { return impl_->migrated; }

void Server::run() {
  if (impl_->stopping.load()) return;
  impl_->http.listen_after_bind();
}

void Server::stop() noexcept {
  impl_->stopping.store(true);
  impl_->gate.stop();          // connections between requests close; requests in flight finish
  impl_->http.stop();          // a running accept loop
  impl_->http.close_socket();  // and a bound socket it has not reached yet
}

}  // namespace hangar::remote
