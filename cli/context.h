// What every command needs: where the repository is, output mode and streams.
// Also declares the register_* functions, one per command group (cmd_*.cc).
#pragma once

#include <hangar/checkout.h>
#include <hangar/repository.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace hangar::cli {

struct Context {
  std::string dir;      // the global '-C DIR'; main() changes into it before running
  bool json = false;    // set by each command's --json flag
  bool is_tty = false;  // stdout and stderr are both terminals (progress bars)
  bool color = false;   // colour the output (color.h: --color, NO_COLOR, never with --json)
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;

  std::function<void()> action;  // the parsed command, run by main() after parsing
  int exit_code = 0;  // main() returns it: 1 for findings (merge conflicts, diff --exit-code)
  // The root of the repository enclosing the working directory. Throws: NotFound.
  std::filesystem::path find_root() const;
  // Finds the enclosing repository and opens it. Read for reporting commands, Write (which
  // takes the repository lock) for commands that change anything. A repository set to fetch
  // lazily (config fetch.lazy) gets its remote's fetcher: reads bring what is not local.
  // Throws: NotFound, Locked.
  Repository open(Repository::Mode mode) const;
};

// A read view for an optional --ref: the commit it names, or the staged view (HEAD + staged).
Checkout view_at(const Repository& repo, const std::optional<std::string>& ref);

// The help text of a REF argument or --ref option (anything Repository::resolve takes), with
// `default_note` ("HEAD", "staged") in parentheses when given.
std::string revision_help(std::string_view default_note = {});

// Makes `run` the action of `cmd` when the command line selects it.
void on_run(CLI::App& cmd, Context& ctx, std::function<void()> run);
// on_run for a long command whose work polls hangar::interrupted(): while it runs, SIGINT,
// SIGTERM and SIGHUP stop it cooperatively (signals.h) instead of killing the process.
void on_run_interruptible(CLI::App& cmd, Context& ctx, std::function<void()> run);
// Adds the --json flag (bound to ctx.json) to a command.
void add_json_flag(CLI::App& cmd, Context& ctx);

void register_repo_commands(CLI::App& app, Context& ctx);    // init status summary log
void register_column_commands(CLI::App& app, Context& ctx);  // column create|list|info|delete
void register_sample_commands(CLI::App& app, Context& ctx);  // put get rm
void register_import_export_commands(CLI::App& app, Context& ctx);  // import export
void register_commit_commands(CLI::App& app, Context& ctx);         // commit reset
void register_branch_commands(CLI::App& app, Context& ctx);         // branch checkout
void register_tag_command(CLI::App& app, Context& ctx);             // tag
void register_pull_command(CLI::App& app, Context& ctx);            // pull
void register_remote_commands(CLI::App& app, Context& ctx);    // remote clone fetch fetch-data push
void register_drop_data_command(CLI::App& app, Context& ctx);  // drop-data
void register_server_commands(CLI::App& app, Context& ctx);    // server
void register_diff_commands(CLI::App& app, Context& ctx);      // diff show
void register_merge_commands(CLI::App& app, Context& ctx);     // merge
void register_maintenance_commands(CLI::App& app, Context& ctx);  // fsck gc
void register_config_commands(CLI::App& app, Context& ctx);       // config
void register_upgrade_command(CLI::App& app, Context& ctx);       // upgrade

}  // namespace hangar::cli
