// SigV4 query signing with OpenSSL's HMAC-SHA256 (presign.h).
#include <hangar/error.h>
#include <hangar/s3/presign.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <ctime>

namespace hangar::s3 {
namespace {

using Mac = std::array<unsigned char, 32>;

Mac hmac(std::string_view key, std::string_view data) {
  Mac out{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &n) == nullptr ||
      n != out.size())
    fail(ErrorCode::Internal, "HMAC-SHA256 failed in OpenSSL");
  return out;
}

std::string_view view(const Mac& m) { return {reinterpret_cast<const char*>(m.data()), m.size()}; }

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) != 1)
    fail(ErrorCode::Internal, "SHA-256 failed in OpenSSL");
  return hex(md, n);
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string presign_url(const PresignRequest& r, const Credentials& credentials) {
  if (r.expires.count() < 1 || r.expires.count() > 604800)
    fail(ErrorCode::InvalidArgument, "a presigned URL must expire in 1 s to 7 days, not " +
                                         std::to_string(r.expires.count()) + " s");
  const std::string date_time = amz_date(r.now);
  const std::string date = date_time.substr(0, 8);
  const std::string scope = date + "/" + r.region + "/s3/aws4_request";
  // Canonical query: sorted by name (these names already are in byte order).
  std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  query += "&X-Amz-Credential=" + uri_encode(credentials.access_key_id + "/" + scope);
  query += "&X-Amz-Date=" + date_time;
  query += "&X-Amz-Expires=" + std::to_string(r.expires.count());
  if (!credentials.session_token.empty())
    query += "&X-Amz-Security-Token=" + uri_encode(credentials.session_token);
  query += "&X-Amz-SignedHeaders=host";
  const std::string canonical =
      r.method + "\n" + r.path + "\n" + query + "\nhost:" + r.host + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + date_time + "\n" + scope + "\n" + sha256_hex(canonical);
  Mac key = hmac("AWS4" + credentials.secret_access_key, date);
  key = hmac(view(key), r.region);
  key = hmac(view(key), "s3");
  key = hmac(view(key), "aws4_request");
  const Mac signature = hmac(view(key), to_sign);
  return r.scheme_host + r.path + "?" + query +
         "&X-Amz-Signature=" + hex(signature.data(), signature.size());
}

}  // namespace hangar::s3
