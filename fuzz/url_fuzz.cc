// Remote URLs as 'hangar clone', 'remote add', fetch and push take them: http:// URLs (the HTTP
// transport's parser, through make_http_transport, which does not connect), s3:// URLs
// (parse_store_url), and S3 endpoints (s3::Client, which does not connect either). Oracle: a
// store URL that parses has a valid bucket and a prefix that is empty or ends in '/', without
// '.' or '..' segments.
#include <hangar/s3/client.h>

#include <string>

#include "fuzz_support.h"
#include "store_layout.h"
#include "transports.h"

using namespace hangar;
using namespace hangar::remote;

namespace {

void check_store_url(const store::StoreUrl& u) {
  if (u.bucket.size() < 3 || u.bucket.size() > 63)
    fuzz::finding("a store URL's bucket has a bad length");
  if (!u.prefix.empty() && u.prefix.back() != '/')
    fuzz::finding("a store URL's prefix does not end in '/'");
  const std::string slashed = "/" + u.prefix;
  if (slashed.find("//") != std::string::npos || slashed.find("/./") != std::string::npos ||
      slashed.find("/../") != std::string::npos)
    fuzz::finding("a store URL's prefix has an empty, '.' or '..' segment");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  if (is_http_url(url)) fuzz::refuse_or_accept([&] { make_http_transport(url, {}); });
  if (store::is_store_url(url))
    fuzz::refuse_or_accept([&] { check_store_url(store::parse_store_url(url)); });
  fuzz::refuse_or_accept([&] {
    s3::ClientOptions options;
    options.endpoint = url;
    options.bucket = "hangar-fuzz";
    s3::Client client(options, {});
  });
  return 0;
}
