// The options of commands that talk to a remote (remote_flags.h).
#include "remote_flags.h"

namespace hangar::cli {

remote::TransportOptions RemoteFlags::transport() const {
  remote::TransportOptions o = remote::TransportOptions::from_env();
  o.insecure = insecure;
  return o;
}

void add_remote_flags(CLI::App& cmd, RemoteFlags& flags) {
  cmd.add_flag("--insecure", flags.insecure,
               "do not verify the TLS certificate of an https:// remote or of the object store "
               "its data comes from (anyone on the network path could pose as them); rather "
               "trust their CA with SSL_CERT_FILE=CA.pem");
}

}  // namespace hangar::cli
