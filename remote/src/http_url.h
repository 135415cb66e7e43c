// The parts of an http:// or https:// remote URL, for HttpTransport. Private to the remote
// module.
#pragma once

#include <string>

namespace hangar::remote {

struct HttpUrl {
  bool tls = false;    // https://
  std::string host;    // "127.0.0.1", "example.org", "::1" (given as "[::1]")
  int port = 80;       // 80 for http://, 443 for https://, unless given
  std::string prefix;  // "" or "/path", without a trailing slash
};

// True when `url` starts with "http://" or "https://" (lowercase, as hangar writes them).
bool is_http_scheme(const std::string& url) noexcept;

// "http[s]://HOST[:PORT][/PREFIX]"; HOST may be an IPv6 address in brackets.
// Throws: InvalidArgument "bad remote URL '...': <why>; expected http://HOST:PORT or
// https://HOST:PORT".
HttpUrl parse_http_url(const std::string& url);

// "http[s]://HOST:PORT", HOST in brackets when it is an IPv6 address ("http://[::1]:8080"), so
// that parse_http_url() reads it back. A HOST given in brackets already is taken as it is.
std::string format_http_url(bool tls, const std::string& host, int port);

}  // namespace hangar::remote
