// The hangar executable: builds the command line, runs the chosen command, and maps every
// failure to one 'hangar: error:' line on stderr and an exit code (the CLI contract, README.md):
// 0 ok, 1 findings, 2 usage, 3 user-facing error, 4 internal error, 128 + N interrupted by
// signal N (130: Ctrl-C).
#include <hangar/error.h>
#include <hangar/hangar.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include "context.h"
#include "parse.h"
#include "progress.h"
#include "signals.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitError = 3;
constexpr int kExitInternal = 4;

// "hangar column create" for the deepest subcommand the parser got to.
std::string command_path(const CLI::App& app) {
  std::string path = "hangar";
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += ' ' + at->get_name();
  }
  return path;
}

// CLI11's message, lowercased like ours; "A subcommand is required" names the unknown word.
std::string parse_error_text(const CLI::App& app, const CLI::Error& e) {
  std::string what = e.what();
  if (e.get_name() == "RequiredError" && what.rfind("A subcommand is required", 0) == 0) {
    const std::vector<std::string> rest = app.remaining(true);
    what = rest.empty() ? "a command is required"
                        : "unknown command '" + rest.front() + "' for '" + command_path(app) + "'";
  }
  // "The following argument..." -> "the following argument...", but "KEY is required" stays.
  if (what.size() > 1 && std::islower(static_cast<unsigned char>(what[1]))) {
    what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  }
  return what;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void print_error(const std::string& what) {
  std::cout.flush();
  std::cerr << "hangar: error: " << one_line(what) << '\n';
}

// Runs the parsed command as if hangar had been started in `dir` (git's -C).
void change_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::current_path(dir, ec);
  if (ec) {
    hangar::fail(hangar::ErrorCode::NotFound,
                 "cannot change to directory '" + dir + "' (-C): " + ec.message());
  }
}

// The commands that move packs keep freed memory for reuse, up to 64 MiB. With glibc's
// defaults (a block above the dynamic mmap threshold is its own mapping; more than 128 KiB free
// at the heap's top goes back to the kernel) the transfer path's 1 MiB pack pieces and chunk
// batches were mapped, faulted in page by page and given back over and over: a push of
// workload A spent 0.35 of its 0.50 s of client CPU in page faults (issue 16). Not for the
// other commands: it raised fsck's peak RSS at 10^6 samples from 104 to 128 MB.
void keep_freed_memory_if_transfer(const CLI::App& app) {
  for (const char* name : {"push", "clone", "fetch", "fetch-data", "server"}) {
    if (app.got_subcommand(name)) {
      mallopt(M_MMAP_THRESHOLD, 64 << 20);
      mallopt(M_TRIM_THRESHOLD, 64 << 20);
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hangar::cli;
  Context ctx;
  ctx.is_tty = interactive_terminal();

  CLI::App app{"hangar: version control for tensor datasets", "hangar"};
  // Inherited by subcommands, so set before adding them.
  app.fallthrough();
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    return "hangar: error: " + one_line(parse_error_text(*a, e)) + "; see '" + command_path(*a) +
           " --help'\n";
  });
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hangar ") + hangar::version());
  app.add_option("-C", ctx.dir, "run as if hangar was started in DIR")->type_name("DIR");

  register_repo_commands(app, ctx);
  register_column_commands(app, ctx);
  register_sample_commands(app, ctx);
  register_import_export_commands(app, ctx);
  register_commit_commands(app, ctx);
  register_branch_commands(app, ctx);
  register_remote_commands(app, ctx);
  register_drop_data_command(app, ctx);
  register_server_commands(app, ctx);
  register_diff_commands(app, ctx);
  register_merge_commands(app, ctx);
  register_maintenance_commands(app, ctx);
  register_config_commands(app, ctx);
  register_upgrade_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print on stdout and succeed; CLI11's own codes are 100+.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  keep_freed_memory_if_transfer(app);

  try {
    if (!ctx.dir.empty()) change_directory(ctx.dir);
    if (!ctx.action) throw std::logic_error("no action for the parsed command line");
    ctx.action();
    std::cout.flush();
    return ctx.exit_code;
  } catch (const UsageError& e) {
    print_error(std::string(e.what()) + "; see '" + command_path(app) + " --help'");
    return kExitUsage;
  } catch (const hangar::Error& e) {
    if (e.code() == hangar::ErrorCode::Internal) {
      print_error(std::string("internal: ") + e.what() + " (please report)");
      return kExitInternal;
    }
    print_error(e.what());
    return e.code() == hangar::ErrorCode::Interrupted ? interrupted_exit_code() : kExitError;
  } catch (const std::filesystem::filesystem_error& e) {
    print_error(e.what());
    return kExitError;
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what() + " (please report)");
    return kExitInternal;
  }
}
