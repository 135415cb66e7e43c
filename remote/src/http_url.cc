// Parsing http:// and https:// remote URLs (http_url.h).
#include "http_url.h"

#include <hangar/error.h>

#include <algorithm>
#include <optional>

namespace hangar::remote {
namespace {

constexpr std::string_view kHttp = "http://";
constexpr std::string_view kHttps = "https://";

bool is_port(const std::string& s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_http_scheme(const std::string& url) noexcept {
  return url.starts_with(kHttp) || url.starts_with(kHttps);
}

HttpUrl parse_http_url(const std::string& url) {
  auto bad = [&](const std::string& why) {
    fail(ErrorCode::InvalidArgument, "bad remote URL '" + url + "': " + why +
                                         "; expected http://HOST:PORT or https://HOST:PORT");
  };
  HttpUrl p;
  std::string rest;
  if (url.starts_with(kHttps)) {
    p.tls = true;
    p.port = 443;
    rest = url.substr(kHttps.size());
  } else if (url.starts_with(kHttp)) {
    rest = url.substr(kHttp.size());
  } else {
    bad("not an http:// or https:// URL");
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) p.prefix = rest.substr(slash);
  while (!p.prefix.empty() && p.prefix.back() == '/') p.prefix.pop_back();
  if (authority.find('@') != std::string::npos)
    bad("user names and passwords do not go in the URL (give a token in HANGAR_TOKEN)");
  std::optional<std::string> port;
  if (authority.starts_with('[')) {  // [IPv6]:PORT
    const auto close = authority.find(']');
    if (close == std::string::npos) bad("no ']' after the IPv6 address");
    p.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') bad("'" + after + "' after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos) port = authority.substr(colon + 1);
    p.host = authority.substr(0, colon);
  }
  if (p.host.empty()) bad("no host");
  if (port) {
    if (!is_port(*port)) bad("port '" + *port + "' is not a number");
    p.port = std::stoi(*port);
    if (p.port < 1 || p.port > 65535) bad("port " + *port + " is out of range");
  }
  return p;
}

std::string format_http_url(bool tls, const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos && !host.starts_with('[');
  return std::string(tls ? kHttps : kHttp) + (ipv6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

}  // namespace hangar::remote
