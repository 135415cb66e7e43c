// What every command that talks to a remote (clone, fetch, fetch-data, push, drop-data,
// gc --remote) takes from its command line and environment: the token (HANGAR_TOKEN) and
// --insecure.
#pragma once

#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <CLI/CLI.hpp>
#include <string>

namespace hangar::cli {

struct RemoteFlags {
  bool insecure = false;  // --insecure: https:// without certificate checks
  // TransportOptions::from_env() with the flags applied.
  remote::TransportOptions transport() const;
};

// Adds --insecure to `cmd`.
void add_remote_flags(CLI::App& cmd, RemoteFlags& flags);

// The REMOTE a command was given; when none (empty), the repository's default remote, as git
// takes origin: the one it was cloned from, else its only remote, else "origin". Throws:
// NotFound (with a hint to add one) when the repository has no remote at all.
std::string remote_or_default(const Repository& repo, const std::string& given);

}  // namespace hangar::cli
