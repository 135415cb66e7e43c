// hangar server [PATH] [--bind ADDR] [--port N] [--tokens FILE] [--anonymous-read]
//               [--tls-cert PEM --tls-key PEM]
//               [--store s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region R]
//                [--s3-insecure] [--presign-ttl SECONDS] [--migrate]]:
// serves a repository over HTTP or HTTPS until SIGINT, SIGTERM or SIGHUP, then stops cleanly.
#include <hangar/base/file_lock.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/server.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <thread>

#include "context.h"
#include "parse.h"

namespace hangar::cli {
namespace {

struct ServerArgs {
  std::string path;
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::optional<std::string> tokens;
  bool anonymous_read = false;
  std::optional<std::string> port_file;
  std::size_t max_connections = 256;
  std::string store;
  std::string s3_endpoint;
  std::string s3_region;
  bool s3_insecure = false;
  std::optional<int> presign_ttl;
  bool migrate = false;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

void run_server(Context& ctx, const ServerArgs& a) {
  remote::ServerOptions o;
  o.root = a.path.empty() ? ctx.find_root() : std::filesystem::path(a.path);
  o.bind = a.bind;
  // "[::1]" as in a URL: the address is what is inside the brackets.
  if (o.bind.size() > 2 && o.bind.front() == '[' && o.bind.back() == ']')
    o.bind = o.bind.substr(1, o.bind.size() - 2);
  o.port = a.port;
  if (a.tokens) o.tokens_file = *a.tokens;
  o.anonymous_read = a.anonymous_read;
  o.max_connections = a.max_connections;
  o.store = a.store;
  o.s3_endpoint = a.s3_endpoint;
  o.s3_region = a.s3_region;
  o.s3_insecure = a.s3_insecure;
  o.presign_ttl_s = a.presign_ttl;
  o.migrate_local = a.migrate;
  if (a.tls_cert) o.tls_cert = *a.tls_cert;
  if (a.tls_key) o.tls_key = *a.tls_key;
  if (a.store.empty() && (!a.s3_endpoint.empty() || !a.s3_region.empty() || a.s3_insecure ||
                          a.presign_ttl || a.migrate))
    throw UsageError(
        "--s3-endpoint, --s3-region, --s3-insecure, --presign-ttl and --migrate need --store "
        "s3://BUCKET/PREFIX");
  // Tests only: announce a newer protocol than this build speaks.
  if (const char* v = std::getenv("HANGAR_TEST_SERVER_PROTOCOL"); v && *v)
    o.protocol_version = std::atoi(v);
  // Tests only: the grace period of the store's gc, in seconds.
  if (const char* v = std::getenv("HANGAR_TEST_STORE_GC_GRACE"); v && *v)
    o.store_gc_grace_s = std::atoi(v);

  // Signals are taken by one thread with sigwait(); every other thread (the HTTP workers start
  // later and inherit this mask) never sees them, so shutdown is an ordinary stop().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // SIGHUP (the terminal went away) stops it too, unless started ignoring it (nohup).
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN)
    sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The waiter stops a running server, or interrupts its start (a --migrate upload) before.
  // Declared before the waiter, the server outlives it.
  std::optional<remote::Server> server;
  std::atomic<remote::Server*> running{nullptr};
  std::atomic<bool> leaving{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (leaving.load()) return;  // woken by WakeWaiter
    if (remote::Server* s = running.load()) {
      s->stop();  // in-flight requests finish, then run() returns
    } else {
      request_interrupt(sig);
    }
  });
  struct WakeWaiter {  // the waiter must end whatever happens: no signal may ever come
    std::thread& waiter;
    std::atomic<bool>& leaving;
    ~WakeWaiter() {
      leaving.store(true);
      // Wakes the waiter from sigwait (it ends; nothing is killed); harmless when a signal
      // already woke it.
      pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
      waiter.join();
    }
  } wake{waiter, leaving};

  if (a.migrate)
    o.migrate_progress = [&ctx](std::uint64_t done, std::uint64_t total) {
      if (ctx.is_tty)
        ctx.err << "hangar server: uploaded " << done << " of " << total
                << " local chunks into the store\n"
                << std::flush;
    };
  server.emplace(o);
  for (const auto& w : remote::exposure_warnings(o))
    ctx.err << "hangar server: warning: " << w << '\n';
  if (const auto m = server->migrated(); m.chunks > 0)
    ctx.out << "migrated " << m.chunks << " local chunks (" << m.bytes << " bytes, " << m.packs
            << (m.packs == 1 ? " pack" : " packs") << ") into " << a.store << "\n";
  if (a.port_file)
    storage::write_file_atomic(*a.port_file, as_bytes(std::to_string(server->port()) + "\n"));
  ctx.out << "serving '" << std::filesystem::absolute(o.root).lexically_normal().string() << "' at "
          << server->url() << (server->read_only() ? " (read-only)" : " (read-write)")
          << (server->store().empty() ? "" : ", chunk data in " + server->store())
          << "; stop with Ctrl-C\n"
          << std::flush;

  running.store(&*server);
  if (interrupted()) return;  // a signal came while it started
  server->run();
}

}  // namespace

void register_server_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ServerArgs>();
  CLI::App* cmd = app.add_subcommand("server", "serve a repository over HTTP or HTTPS");
  cmd->add_option("PATH", a->path, "repository to serve (default: the enclosing one)");
  cmd->add_option("--bind", a->bind,
                  "address to listen on: 127.0.0.1 (default), ::1 or [::1], 0.0.0.0, ...");
  cmd->add_option("--port", a->port, "TCP port; 0 picks a free one (default 8080)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--tokens", a->tokens, "file of 'read TOKEN' / 'write TOKEN' lines");
  cmd->add_flag("--anonymous-read", a->anonymous_read, "with --tokens: reads need no token");
  cmd->add_option("--port-file", a->port_file, "write the chosen port to FILE once listening");
  auto* cert = cmd->add_option("--tls-cert", a->tls_cert,
                               "serve HTTPS only, with this certificate (PEM; intermediate CA "
                               "certificates after it); needs --tls-key")
                   ->type_name("PEM");
  auto* key =
      cmd->add_option("--tls-key", a->tls_key, "the certificate's private key (PEM, not encrypted)")
          ->type_name("PEM");
  cert->needs(key);
  key->needs(cert);
  cmd->add_option("--max-connections", a->max_connections,
                  "connections open at once, each on its own thread; more are answered 503 "
                  "(default 256)")
      ->check(CLI::Range(std::size_t{4}, std::size_t{512}));
  // Before --max-connections, a fixed pool of worker threads; now the same limit.
  cmd->add_option("--threads", a->max_connections)
      ->check(CLI::Range(std::size_t{4}, std::size_t{512}))
      ->group("");
  cmd->add_option("--store", a->store,
                  "keep chunk data in an S3 bucket: s3://BUCKET/PREFIX (credentials: "
                  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials, AWS_PROFILE)");
  cmd->add_option("--s3-endpoint", a->s3_endpoint,
                  "S3 endpoint URL, http(s)://HOST:PORT (default: AWS_ENDPOINT_URL_S3, "
                  "AWS_ENDPOINT_URL); https:// is verified against SSL_CERT_FILE / SSL_CERT_DIR "
                  "when set, else the system's CA certificates");
  cmd->add_option("--s3-region", a->s3_region,
                  "S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)");
  cmd->add_flag("--s3-insecure", a->s3_insecure,
                "do not verify the TLS certificate of an https:// S3 endpoint (clients verify "
                "it themselves)");
  cmd->add_option("--presign-ttl", a->presign_ttl,
                  "lifetime of the presigned URLs given to clients, in seconds (default 900 for "
                  "downloads, 3600 for uploads); clients ask again when theirs expire")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 604800));
  cmd->add_flag("--migrate", a->migrate,
                "first upload the chunks this repository holds on its own disk and the store "
                "lacks (a repository served before without --store); resumable");
  on_run(*cmd, ctx, [&ctx, a] { run_server(ctx, *a); });
}

}  // namespace hangar::cli
