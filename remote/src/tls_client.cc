// The client's TLS settings and failure messages (tls_client.h).
//
// Why OpenSSL's own host check on top of httplib's: with the name or address set in the
// context's X509_VERIFY_PARAM, a wrong name fails the chain verification itself, with its own
// verify result (hostname or IP address mismatch), so the message can say which check failed.
// httplib's check then runs as well, after ours passed.
#include "tls_client.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace hangar::remote {
namespace {

bool is_ip_literal(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

constexpr const char* kWhatToDo =
    "if a private CA signed it, trust that CA with SSL_CERT_FILE=CA.pem, or skip the check with "
    "--insecure";
constexpr const char* kSkip = "or skip the check with --insecure";

// The trust store a verification used, for messages: "the system's CA certificates", or
// "SSL_CERT_FILE '/x/ca.pem'" (with "(which cannot be read: ...)" when it cannot be).
std::string describe_trust_store() {
  const std::string file = env(X509_get_default_cert_file_env());  // SSL_CERT_FILE
  const std::string dir = env(X509_get_default_cert_dir_env());    // SSL_CERT_DIR
  if (file.empty() && dir.empty()) return "the system's CA certificates";
  std::string out;
  if (!file.empty()) {
    out = "SSL_CERT_FILE '" + file + "'";
    std::ifstream in(file);
    if (!in) out += " (which cannot be read: " + std::string(std::strerror(errno)) + ")";
  }
  if (!dir.empty()) out += (out.empty() ? "" : " and ") + ("SSL_CERT_DIR '" + dir + "'");
  return out;
}

}  // namespace

void configure_tls_client(httplib::SSLClient& client, const std::string& host, bool insecure) {
  SSL_CTX* ctx = client.ssl_context();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  client.enable_server_certificate_verification(!insecure);
  if (insecure) return;
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
}

std::string describe_tls_failure(httplib::Error err, long verify_result, const std::string& host,
                                 const std::string& reasons) {
  const std::string why = reasons.empty() ? "" : " (" + reasons + ")";
  switch (err) {
    case httplib::Error::SSLServerVerification:
      break;
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates of " + describe_trust_store() + why +
             "; point SSL_CERT_FILE at a PEM file of CA certificates";
    default:  // SSLConnection: the handshake itself failed
      return "TLS handshake failed" + why +
             "; is it an HTTPS server? A hangar server started without --tls-cert speaks plain "
             "HTTP: use an http:// URL for it";
  }
  switch (verify_result) {
    case X509_V_OK:  // the chain verified but httplib's own name check failed
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "its TLS certificate is not made out to '" + host +
             "' (none of the names in it match); connect with a name the certificate holds, " +
             kSkip;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "its TLS certificate has expired; the server needs a renewed one, " +
             std::string(kSkip);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "its TLS certificate is not valid yet (check the clocks of both machines), " +
             std::string(kSkip);
    default:
      return "cannot verify its TLS certificate (" +
             std::string(X509_verify_cert_error_string(verify_result)) + ") with " +
             describe_trust_store() + "; " + kWhatToDo;
  }
}

}  // namespace hangar::remote
