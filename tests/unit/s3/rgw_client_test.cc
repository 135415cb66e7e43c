// The S3 client against a real Ceph RGW (fixture s3:rgw-up): objects, ranges, multipart,
// listing, and the errors a user meets (wrong secret, missing bucket, endpoint down).
#include <hangar/s3/client.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "rgw_env.h"

using namespace hangar;
using namespace hangar::s3;
using namespace hangar::s3::testing;
using Catch::Matchers::Contains;

namespace {

S3Error s3_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const S3Error& e) {
    return e;
  }
  FAIL("expected an S3Error");
  return S3Error(Problem::Other, "unreachable");
}

// A loopback port where nothing listens (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("put, get, head and remove round-trip bytes", "[s3][rgw]") {
  Client c(rgw_options(), rgw_credentials());
  c.check_bucket();
  const std::string p = unique_prefix("roundtrip");
  const Bytes data = pattern_bytes(100000, 1);
  c.put(p + "a b/c+d", data);  // a key that needs percent-encoding
  CHECK(c.get(p + "a b/c+d") == data);
  const auto info = c.head(p + "a b/c+d");
  REQUIRE(info.has_value());
  CHECK(info->size == data.size());
  CHECK(info->etag.size() == 32);  // MD5 of a single-part object
  c.put(p + "empty", {});
  CHECK(c.get(p + "empty") == Bytes{});
  CHECK(c.head(p + "empty")->size == 0);
  CHECK_FALSE(c.get(p + "missing").has_value());
  CHECK_FALSE(c.head(p + "missing").has_value());
  c.copy(p + "a b/c+d", p + "copied");
  CHECK(c.get(p + "copied") == data);
  CHECK(s3_error_of([&] { c.copy(p + "missing", p + "copied2"); }).problem() == Problem::NoSuchKey);
  c.remove(p + "copied");
  c.remove(p + "a b/c+d");
  CHECK_FALSE(c.head(p + "a b/c+d").has_value());
  c.remove(p + "a b/c+d");  // a missing key is fine
  c.remove(p + "empty");
}

TEST_CASE("ranged reads return exactly the range", "[s3][rgw]") {
  Client c(rgw_options(), rgw_credentials());
  const std::string key = unique_prefix("range") + "obj";
  const Bytes data = pattern_bytes(1 << 20, 2);
  c.put(key, data);
  for (const auto& [off, len] : std::vector<std::pair<std::size_t, std::size_t>>{
           {0, 1}, {0, 4096}, {12345, 67890}, {(1 << 20) - 7, 7}}) {
    const Bytes got = c.get_range(key, off, len);
    CHECK(got == Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                       data.begin() + static_cast<std::ptrdiff_t>(off + len)));
  }
  // A range running past the end: the object is shorter than asked, a clear error.
  CHECK(s3_error_of([&] { c.get_range(key, (1 << 20) - 5, 10); }).problem() == Problem::BadReply);
  CHECK(s3_error_of([&] { c.get_range(key + "-nope", 0, 10); }).problem() == Problem::NoSuchKey);
  // Streamed in pieces.
  std::size_t pieces = 0, total = 0;
  CHECK(c.get_to(key, 0, 0, [&](ByteView piece) {
    ++pieces;
    total += piece.size();
  }));
  CHECK(total == data.size());
  CHECK(pieces > 1);
  c.remove(key);
}

TEST_CASE("put uses a multipart upload above the threshold", "[s3][rgw]") {
  ClientOptions o = rgw_options();
  o.part_size = 5ull << 20;
  o.multipart_threshold = 6ull << 20;
  Client c(o, rgw_credentials());
  const std::string key = unique_prefix("multipart") + "big";
  const Bytes data = pattern_bytes((12ull << 20) + 1, 3);
  const auto before = c.stats().requests.load();
  c.put(key, data);
  CHECK(c.stats().requests.load() - before == 5);  // create, 3 parts, complete
  const auto info = c.head(key);
  REQUIRE(info.has_value());
  CHECK(info->size == data.size());
  CHECK(info->etag.ends_with("-3"));  // S3's multipart ETag: md5 of md5s, dash, part count
  CHECK(c.get(key) == data);
  CHECK(c.get_range(key, (5ull << 20) - 3, 10) ==
        Bytes(data.begin() + (5 << 20) - 3, data.begin() + (5 << 20) + 7));
  c.remove(key);

  SECTION("an aborted upload leaves no object") {
    const std::string id = c.create_multipart(key);
    c.upload_part(key, id, 1, ByteView(data).first(5 << 20));
    c.abort_multipart(key, id);
    CHECK_FALSE(c.head(key).has_value());
  }
}

TEST_CASE("list pages through every key under a prefix", "[s3][rgw]") {
  Client c(rgw_options(), rgw_credentials());
  const std::string p = unique_prefix("list");
  for (int i = 0; i < 25; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "k%03d", i);
    c.put(p + name, pattern_bytes(static_cast<std::size_t>(i), static_cast<std::uint32_t>(i)));
  }
  c.put(p.substr(0, p.size() - 1) + "-sibling", {});  // shares the prefix but for the '/'
  ListPage first = c.list_page(p, "", 10);
  CHECK(first.objects.size() == 10);
  CHECK_FALSE(first.next_token.empty());
  ListPage second = c.list_page(p, first.next_token, 10);
  ListPage third = c.list_page(p, second.next_token, 10);
  CHECK(second.objects.size() == 10);
  CHECK(third.objects.size() == 5);
  CHECK(third.next_token.empty());
  CHECK(first.objects[0].key == p + "k000");
  CHECK(third.objects[4].key == p + "k024");
  CHECK(third.objects[4].size == 24);
  const auto age = std::chrono::system_clock::now() - third.objects[4].last_modified;
  CHECK(age < std::chrono::minutes(10));  // same clock, loopback
  CHECK(age > -std::chrono::minutes(10));
  const auto all = c.list(p);
  REQUIRE(all.size() == 25);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].key < all[i].key);
  CHECK(c.list(p + "k01").size() == 10);
  CHECK(c.list(p + "zzz").empty());
  for (const auto& o : all) c.remove(o.key);
  c.remove(p.substr(0, p.size() - 1) + "-sibling");
  CHECK(c.list(p).empty());
}

TEST_CASE("a wrong secret or access key is a credentials error naming which", "[s3][rgw]") {
  Credentials wrong_secret = rgw_credentials();
  wrong_secret.secret_access_key = "not-the-secret-0123456789abcdefghijklmn";
  Client c(rgw_options(), wrong_secret);
  for (const auto& op : std::vector<std::function<void()>>{
           [&] { c.check_bucket(); }, [&] { c.put("t/x", {}); }, [&] { (void)c.get("t/x"); },
           [&] { (void)c.head("t/x"); }, [&] { (void)c.list("t/"); }}) {
    const S3Error e = s3_error_of(op);
    CHECK(e.problem() == Problem::Credentials);
    CHECK_THAT(e.what(), Contains("wrong credentials") && Contains("secret key") &&
                             Contains(wrong_secret.access_key_id) &&
                             !Contains(wrong_secret.secret_access_key));
    CHECK(e.code() == ErrorCode::Remote);
  }
  Credentials unknown = rgw_credentials();
  unknown.access_key_id = "HGRNOSUCHKEY00000000";
  Client u(rgw_options(), unknown);
  const S3Error e = s3_error_of([&] { u.check_bucket(); });
  CHECK(e.problem() == Problem::Credentials);
  CHECK_THAT(e.what(), Contains("HGRNOSUCHKEY00000000") && Contains("unknown") &&
                           !Contains(unknown.secret_access_key));
  CHECK(u.stats().retries.load() == 0);  // a refusal is not retried
}

TEST_CASE("a missing bucket is a clear not-found error", "[s3][rgw]") {
  ClientOptions o = rgw_options();
  o.bucket = "hangar-no-such-bucket";
  Client c(o, rgw_credentials());
  for (const auto& op : std::vector<std::function<void()>>{
           [&] { c.check_bucket(); }, [&] { c.put("x", pattern_bytes(10, 1)); },
           [&] { (void)c.get("x"); }, [&] { (void)c.head("x"); }, [&] { (void)c.list(""); }}) {
    const S3Error e = s3_error_of(op);
    CHECK(e.problem() == Problem::NoSuchBucket);
    CHECK(e.code() == ErrorCode::NotFound);
    CHECK_THAT(e.what(), Contains("hangar-no-such-bucket") && Contains("does not exist"));
  }
}

TEST_CASE("an endpoint that is down is a clear error after retries", "[s3][rgw]") {
  ClientOptions o = rgw_options();
  o.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  o.max_retries = 2;
  Client c(o, rgw_credentials());
  const S3Error e = s3_error_of([&] { c.check_bucket(); });
  CHECK(e.problem() == Problem::EndpointDown);
  CHECK_THAT(e.what(), Contains(o.endpoint) && Contains("is down") && Contains("3 tries"));
  CHECK(c.stats().retries.load() == 2);
}
