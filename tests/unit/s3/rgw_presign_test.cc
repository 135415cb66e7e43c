// Presigned URLs against a real Ceph RGW: a plain HTTP client (cpp-httplib, no credentials, no
// libcurl) can GET and PUT with them until they expire, and not after.
#include <hangar/s3/client.h>
#include <httplib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "rgw_env.h"

using namespace hangar;
using namespace hangar::s3;
using namespace hangar::s3::testing;
using namespace std::chrono;
using Catch::Matchers::Contains;

namespace {

struct PlainUrl {
  std::string scheme_host;  // "http://127.0.0.1:PORT"
  std::string path_query;
};

PlainUrl split(const std::string& url) {
  const auto slash = url.find('/', url.find("://") + 3);
  return {url.substr(0, slash), url.substr(slash)};
}

httplib::Result plain_get(const std::string& url) {
  const PlainUrl u = split(url);
  httplib::Client cli(u.scheme_host);
  return cli.Get(u.path_query);
}

httplib::Result plain_put(const std::string& url, const std::string& body) {
  const PlainUrl u = split(url);
  httplib::Client cli(u.scheme_host);
  return cli.Put(u.path_query, body, "application/octet-stream");
}

std::string as_string(const Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

TEST_CASE("presigned GET and PUT URLs work with a plain HTTP client", "[s3][rgw][presign]") {
  Client c(rgw_options(), rgw_credentials());
  const std::string p = unique_prefix("presign");
  const Bytes data = pattern_bytes(70000, 5);
  c.put(p + "obj", data);

  const std::string get_url = c.presign(Method::Get, p + "obj", seconds{60});
  CHECK(get_url.find(rgw_credentials().secret_access_key) == std::string::npos);
  auto res = plain_get(get_url);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == as_string(data));

  const std::string put_url = c.presign(Method::Put, p + "uploaded", seconds{60});
  res = plain_put(put_url, "bytes from a client without keys");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(c.get(p + "uploaded") == to_bytes(std::string_view("bytes from a client without keys")));

  // A URL signs one method and one key: not another key, not another method.
  std::string other = get_url;
  other.replace(other.find("/obj?"), 5, "/uploaded?");
  res = plain_get(other);
  REQUIRE(res);
  CHECK(res->status == 403);
  res = plain_put(get_url, "overwrite");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(c.get(p + "obj") == data);

  // UrlClient: the credential-less client a hangar client uses for these URLs.
  UrlClient urls;
  Bytes got;
  CHECK(urls.get_to(get_url, 0, 0, [&](ByteView b) { got.insert(got.end(), b.begin(), b.end()); }));
  CHECK(got == data);
  got.clear();
  CHECK(urls.get_to(get_url, 100, 50,
                    [&](ByteView b) { got.insert(got.end(), b.begin(), b.end()); }));
  CHECK(got == Bytes(data.begin() + 100, data.begin() + 150));
  urls.put(c.presign(Method::Put, p + "by-url-client", seconds{60}), data);
  CHECK(c.get(p + "by-url-client") == data);
  for (const char* k : {"obj", "uploaded", "by-url-client"}) c.remove(p + k);
}

TEST_CASE("presigned URLs fail after they expire", "[s3][rgw][presign]") {
  Client c(rgw_options(), rgw_credentials());
  const std::string key = unique_prefix("expiry") + "obj";
  c.put(key, pattern_bytes(10, 6));

  // Signed two hours ago for one minute.
  const auto past = system_clock::now() - hours{2};
  auto res = plain_get(c.presign(Method::Get, key, seconds{60}, past));
  REQUIRE(res);
  CHECK(res->status == 403);
  res = plain_put(c.presign(Method::Put, key + "-new", seconds{60}, past), "late");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK_FALSE(c.head(key + "-new").has_value());

  UrlClient urls;
  try {
    urls.get_to(c.presign(Method::Get, key, seconds{60}, past), 0, 0, [](ByteView) {});
    FAIL("an expired URL worked");
  } catch (const S3Error& e) {
    CHECK(e.problem() == Problem::Expired);
    CHECK_THAT(e.what(), Contains("expired") && !Contains("X-Amz-Signature"));
  }

  // And in real time: valid for 1 s, refused after 2.
  const std::string url = c.presign(Method::Get, key, seconds{1});
  res = plain_get(url);
  REQUIRE(res);
  CHECK(res->status == 200);
  std::this_thread::sleep_for(milliseconds(2100));
  res = plain_get(url);
  REQUIRE(res);
  CHECK(res->status == 403);
  c.remove(key);
}
