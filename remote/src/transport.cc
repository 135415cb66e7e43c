// open_transport(): the one transport switch (STYLE 8.11), and TransportOptions::from_env.
#include <hangar/error.h>
#include <hangar/remote/transport.h>

#include <cstdlib>

#include "http_url.h"
#include "transports.h"

namespace hangar::remote {

TransportOptions TransportOptions::from_env() {
  TransportOptions o;
  if (const char* t = std::getenv("HANGAR_TOKEN"); t && *t) o.token = t;
  return o;
}

namespace {
TransportWrapper& wrapper() {
  static TransportWrapper w;
  return w;
}

std::unique_ptr<Transport> make_transport(const std::string& url, const TransportOptions& options) {
  if (url.empty()) fail(ErrorCode::InvalidArgument, "empty remote URL");
  if (is_http_url(url)) return make_http_transport(url, options);
  if (url.rfind("s3://", 0) == 0) return make_store_transport(url, options);
  const auto scheme = url.find("://");
  if (scheme != std::string::npos)
    fail(ErrorCode::InvalidArgument,
         "remote URL '" + url + "' uses scheme '" + url.substr(0, scheme) +
             "', which this hangar does not support; use http://HOST:PORT, https://HOST:PORT, "
             "s3://BUCKET/PREFIX or a repository path");
  return make_local_transport(url, options);
}
}  // namespace

std::vector<UploadUrls> Transport::begin_upload(std::span<const PackUpload> packs) {
  (void)packs;
  fail(ErrorCode::Unsupported, "remote " + url() + " takes chunks in the push itself");
}

StoreGcReport Transport::collect_store_garbage() {
  fail(ErrorCode::Unsupported, "remote " + url() + " keeps no chunk data in an object store");
}

bool is_http_url(const std::string& url) { return is_http_scheme(url); }

void set_transport_wrapper_for_testing(TransportWrapper wrap) { wrapper() = std::move(wrap); }

std::unique_ptr<Transport> open_transport(const std::string& url, const TransportOptions& options) {
  auto t = make_transport(url, options);
  if (wrapper()) return wrapper()(std::move(t));
  return t;
}

std::uint64_t pump(PackSource& source, PackSink& sink) {
  std::uint64_t n = 0;
  for (ByteView piece = source.next(); !piece.empty(); piece = source.next()) {
    sink.write(piece);
    n += piece.size();
  }
  return n;
}

}  // namespace hangar::remote
