// The options of commands that talk to a remote (remote_flags.h).
#include "remote_flags.h"

#include <hangar/error.h>
#include <hangar/remote_config.h>

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

std::string remote_or_default(const Repository& repo, const std::string& given) {
  if (!given.empty()) return given;
  if (transfer::remotes(repo).empty())
    fail(ErrorCode::NotFound,
         "this repository has no remote; add one with 'hangar remote add NAME URL' or give REMOTE");
  return transfer::default_remote(repo);
}

}  // namespace hangar::cli
