// What every command that talks to a remote (clone, fetch, fetch-data, push, drop-data,
// gc --remote) takes from its command line and environment: the token (HANGAR_TOKEN) and
// --insecure.
#pragma once

#include <hangar/remote/transport.h>

#include <CLI/CLI.hpp>

namespace hangar::cli {

struct RemoteFlags {
  bool insecure = false;  // --insecure: https:// without certificate checks
  // TransportOptions::from_env() with the flags applied.
  remote::TransportOptions transport() const;
};

// Adds --insecure to `cmd`.
void add_remote_flags(CLI::App& cmd, RemoteFlags& flags);

}  // namespace hangar::cli
