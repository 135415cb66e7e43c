// SigV4 query signing against AWS's published example, and the encoding helpers.
#include <hangar/error.h>
#include <hangar/s3/presign.h>

#include <catch2/catch.hpp>

#include "xml.h"

using namespace hangar::s3;
using namespace std::chrono;

TEST_CASE("presign_url reproduces AWS's documented GET example", "[s3][presign]") {
  // AWS S3 docs, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
  const Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "",
                          "test"};
  PresignRequest r{.method = "GET",
                   .scheme_host = "https://examplebucket.s3.amazonaws.com",
                   .host = "examplebucket.s3.amazonaws.com",
                   .path = "/test.txt",
                   .region = "us-east-1",
                   .now = sys_days{year{2013} / May / 24},
                   .expires = seconds{86400}};
  const std::string url = presign_url(r, creds);
  CHECK(url ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("presign_url adds a session token and refuses expiries out of range", "[s3][presign]") {
  const Credentials creds{"AKID", "secret", "tok/en+=", "test"};
  PresignRequest r{.method = "PUT",
                   .scheme_host = "http://127.0.0.1:1",
                   .host = "127.0.0.1:1",
                   .path = "/b/k",
                   .region = "us-east-1",
                   .now = sys_days{year{2020} / 1 / 1},
                   .expires = seconds{60}};
  CHECK(presign_url(r, creds).find("&X-Amz-Security-Token=tok%2Fen%2B%3D&") != std::string::npos);
  r.expires = seconds{0};
  CHECK_THROWS_AS(presign_url(r, creds), hangar::Error);
  r.expires = seconds{604801};
  CHECK_THROWS_AS(presign_url(r, creds), hangar::Error);
}

TEST_CASE("uri_encode keeps only unreserved characters (and '/' in paths)", "[s3][presign]") {
  CHECK(uri_encode("aZ09-._~") == "aZ09-._~");
  CHECK(uri_encode("a b/c+d=é") == "a%20b%2Fc%2Bd%3D%C3%A9");
  CHECK(uri_encode("pre/fix/x y", true) == "pre/fix/x%20y");
}

TEST_CASE("sha256_hex and amz_date", "[s3][presign]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(amz_date(sys_days{year{2013} / May / 24} + hours{13} + minutes{5} + seconds{9}) ==
        "20130524T130509Z");
}

TEST_CASE("xml reads S3 replies", "[s3][xml]") {
  const std::string doc =
      "<?xml version=\"1.0\"?><ListBucketResult><IsTruncated>true</IsTruncated>"
      "<Contents><Key>a&amp;b</Key><Size>6</Size></Contents><Contents><Key>c&#60;</Key>"
      "<Size>0</Size></Contents><Prefix/><KeyCount>2</KeyCount></ListBucketResult>";
  const auto items = hangar::s3::xml::elements(doc, "Contents");
  REQUIRE(items.size() == 2);
  CHECK(hangar::s3::xml::text(items[0], "Key") == "a&b");
  CHECK(hangar::s3::xml::text(items[1], "Key") == "c<");
  CHECK(hangar::s3::xml::text(doc, "Prefix") == "");
  CHECK(hangar::s3::xml::text(doc, "Key") == "a&b");  // <KeyCount> is another element
  CHECK_FALSE(hangar::s3::xml::text(doc, "Missing").has_value());
  CHECK(hangar::s3::xml::unescape("&bogus; &#0; &#x41;") == "&bogus; &#0; A");
  CHECK(hangar::s3::xml::escape("<a&\">") == "&lt;a&amp;&quot;&gt;");
}
