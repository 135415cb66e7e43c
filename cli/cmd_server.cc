// hangar server [PATH] [--bind ADDR] [--port N] [--tokens FILE] [--anonymous-read]
//               [--tls-cert PEM --tls-key PEM]
//               [--store s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region R]]:
// serves a repository over HTTP or HTTPS until SIGINT, SIGTERM or SIGHUP, then stops cleanly.
#include <hangar/error.h>
#include <hangar/remote/server.h>
#include <hangar/storage/file_lock.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
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
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

void run_server(Context& ctx, const ServerArgs& a) {
  remote::ServerOptions o;
  o.root = a.path.empty() ? ctx.find_root() : std::filesystem::path(a.path);
  o.bind = a.bind;
  o.port = a.port;
  if (a.tokens) o.tokens_file = *a.tokens;
  o.anonymous_read = a.anonymous_read;
  o.max_connections = a.max_connections;
  o.store = a.store;
  o.s3_endpoint = a.s3_endpoint;
  o.s3_region = a.s3_region;
  if (a.tls_cert) o.tls_cert = *a.tls_cert;
  if (a.tls_key) o.tls_key = *a.tls_key;
  if (a.store.empty() && (!a.s3_endpoint.empty() || !a.s3_region.empty()))
    throw UsageError("--s3-endpoint and --s3-region need --store s3://BUCKET/PREFIX");
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

  remote::Server server(o);
  for (const auto& w : remote::exposure_warnings(o))
    ctx.err << "hangar server: warning: " << w << '\n';
  if (a.port_file)
    storage::write_file_atomic(*a.port_file, as_bytes(std::to_string(server.port()) + "\n"));
  ctx.out << "serving '" << std::filesystem::absolute(o.root).lexically_normal().string() << "' at "
          << server.url() << (server.read_only() ? " (read-only)" : " (read-write)")
          << (server.store().empty() ? "" : ", chunk data in " + server.store())
          << "; stop with Ctrl-C\n"
          << std::flush;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();  // in-flight requests finish, then run() returns
  });
  try {
    server.run();
  } catch (...) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // wake the waiter: no signal will come
    waiter.join();
    throw;
  }
  pthread_kill(waiter.native_handle(), SIGTERM);  // harmless when a signal already woke it
  waiter.join();
}

}  // namespace

void register_server_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ServerArgs>();
  CLI::App* cmd = app.add_subcommand("server", "serve a repository over HTTP or HTTPS");
  cmd->add_option("PATH", a->path, "repository to serve (default: the enclosing one)");
  cmd->add_option("--bind", a->bind, "address to listen on (default 127.0.0.1)");
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
                  "S3 endpoint URL, http://HOST:PORT (default: AWS_ENDPOINT_URL_S3, "
                  "AWS_ENDPOINT_URL)");
  cmd->add_option("--s3-region", a->s3_region,
                  "S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)");
  on_run(*cmd, ctx, [&ctx, a] { run_server(ctx, *a); });
}

}  // namespace hangar::cli
