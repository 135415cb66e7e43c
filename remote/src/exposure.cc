// Whether a server's address and auth expose it (server.h: is_loopback_address,
// exposure_warnings).
#include <arpa/inet.h>
#include <hangar/remote/server.h>
#include <netinet/in.h>

#include <string>

namespace hangar::remote {

bool is_loopback_address(std::string_view bind) {
  const std::string addr(bind);
  if (addr == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, addr.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, addr.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;  // another host name may resolve to anything
}

std::vector<std::string> exposure_warnings(const ServerOptions& options) {
  if (is_loopback_address(options.bind)) return {};
  const std::string where = "listening on " + options.bind + ", which is not a loopback address";
  if (!options.tokens_file)
    return {where +
            "; anyone who can reach it can read (start it with --tokens FILE to ask for "
            "a token)"};
  if (options.tls_cert) return {};  // tokens and data cross the network encrypted
  return {where +
          ", without TLS: tokens and data travel in clear, and anyone on the network "
          "path can read them and reuse the tokens; give it --tls-cert CERT.pem --tls-key "
          "KEY.pem (or bind 127.0.0.1 behind a TLS proxy)"};
}

}  // namespace hangar::remote
