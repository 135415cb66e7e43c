// The progress of a remote command (clone, fetch, fetch-data, push, pull): one bar per phase of
// the transfer ("clone history", "clone data", "push"), on stderr, only on a terminal and never
// with --json.
#pragma once

#include <hangar/remote/operations.h>

#include <memory>
#include <string>

#include "context.h"
#include "progress.h"

namespace hangar::cli {

class PhaseProgress {
 public:
  // `verb` names the command ("clone"); a phase of the same name is shown as the verb alone.
  PhaseProgress(const Context& ctx, std::string verb) : ctx_(ctx), verb_(std::move(verb)) {}
  // What the library reports progress to; empty (no progress work at all) when not shown.
  remote::RemoteProgress callback();
  // Ends the current bar's line.
  void finish();

 private:
  const Context& ctx_;
  std::string verb_;
  std::string phase_;
  std::unique_ptr<Progress> bar_;
};

}  // namespace hangar::cli
