// How the client speaks TLS to an https:// remote (docs/decisions/0018-tls.md): cpp-httplib's
// SSLClient set to verify the server's certificate chain and names, and TLS failures turned
// into one line that says what to do. Private to the remote module.
#pragma once

#include <httplib.h>

#include <string>

namespace hangar::remote {

// Sets `client` (made for `host`) to speak TLS 1.2 or 1.3 and, unless `insecure`, to verify
// the server: its certificate chain against the trust store OpenSSL-based tools use
// (SSL_CERT_FILE and SSL_CERT_DIR when set, else the system's CA certificates) and its names
// against `host` (DNS names, wildcards in the leftmost label only, or IP addresses; the subject's
// common name only when the certificate has no DNS names).
void configure_tls_client(httplib::SSLClient& client, const std::string& host, bool insecure);

// What failed, and what to do, when a request to an https:// remote ends in `err` (one of
// httplib's SSL errors): `verify_result` is the client's get_openssl_verify_result() and
// `reasons` what OpenSSL queued (take_openssl_errors()). E.g. "cannot verify its TLS
// certificate (self-signed certificate in certificate chain) with the system's CA
// certificates; if a private CA signed it, trust that CA with SSL_CERT_FILE=CA.pem, or skip
// the check with --insecure".
std::string describe_tls_failure(httplib::Error err, long verify_result, const std::string& host,
                                 const std::string& reasons);

}  // namespace hangar::remote
