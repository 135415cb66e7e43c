// Documents generated from the command tree itself, so that they cannot drift from it: the
// command reference ('hangar help --all', checked in as docs/reference/hangar.md) and the bash
// completion script ('hangar completion bash').
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>

#include "context.h"

namespace hangar::cli {

// Markdown: a title, then per command (depth first, in the order they were added) a heading
// "## hangar column create" and its --help text in a code block.
void print_reference(std::ostream& out, const CLI::App& app);

// A bash script defining the completion of `hangar`: commands, subcommands and the options
// of each (global ones too), files elsewhere. Source it, or install it as
// /usr/share/bash-completion/completions/hangar.
void print_bash_completion(std::ostream& out, const CLI::App& app);

// Adds 'completion bash' to `app`; call after every other command is registered.
void register_completion_command(CLI::App& app, Context& ctx);

}  // namespace hangar::cli
