// The hangar executable: builds the command line, runs the chosen command, and maps every
// failure to one 'hangar: error:' line on stderr and an exit code (the CLI contract, README.md):
// 0 ok, 1 findings, 2 usage, 3 user-facing error, 4 internal error, 128 + N interrupted by
// signal N (130: Ctrl-C).
#include <hangar/error.h>
#include <hangar/hangar.h>
#include <hangar/report/hint.h>
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "color.h"
#include "context.h"
#include "parse.h"
#include "progress.h"
#include "reference.h"
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

// The deepest subcommand the parser got to.
const CLI::App& deepest(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return *at;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'X'?)" for the candidate closest to `word`, when close enough (at most a
// third of its letters differ, as git's help.autocorrect guesses), else "". Of two as close,
// one that `word` begins ('pul' -> 'pull', not 'put') wins.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = word.size() / 3 + 1;
  const auto extends = [&](const std::string& c) { return c.starts_with(word); };
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d || (best.empty() && d == best_d && d <= 2) ||
        (!best.empty() && d == best_d && extends(c) && !extends(best))) {
      best = c;
      best_d = d;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out.push_back(sub->get_name());
  return out;
}

// The long names ("--json") of the options of `app` and of the parents it falls through to.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* at = &app; at != nullptr; at = at->get_parent())
    for (const CLI::Option* o : at->get_options())
      for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  return out;
}

// CLI11's message, lowercased like ours; "A subcommand is required" names the unknown word;
// an unknown command or option gets the closest known one.
std::string parse_error_text(const CLI::App& app, const CLI::Error& e) {
  std::string what = e.what();
  if (e.get_name() == "RequiredError" && what.rfind("A subcommand is required", 0) == 0) {
    const std::vector<std::string> rest = app.remaining(true);
    what = rest.empty() ? "a command is required"
                        : "unknown command '" + rest.front() + "' for '" + command_path(app) + "'" +
                              did_you_mean(rest.front(), command_names(deepest(app)));
  } else if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr &&
             what.find(": ") != std::string::npos) {
    // "The following argument(s) was/were not expected: --jsn x"
    std::istringstream words(what.substr(what.find(": ") + 2));
    for (std::string word; words >> word;) {
      if (word.rfind("--", 0) != 0) continue;
      const std::string name = word.substr(0, word.find('='));
      what = "unknown option '" + name + "' for '" + command_path(app) + "'" +
             did_you_mean(name, option_names(deepest(app)));
      break;
    }
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
// workload A spent 0.35 of its 0.50 s of client CPU in page faults. Not for the
// other commands: it raised fsck's peak RSS at 10^6 samples from 104 to 128 MB.
void keep_freed_memory_if_transfer(const CLI::App& app) {
  for (const char* name : {"push", "pull", "clone", "fetch", "fetch-data", "server"}) {
    if (app.got_subcommand(name)) {
      mallopt(M_MMAP_THRESHOLD, 64 << 20);
      mallopt(M_TRIM_THRESHOLD, 64 << 20);
      return;
    }
  }
}

}  // namespace

// Errors of a command are caught below; what could escape before (std::bad_alloc while the
// commands register) ends the process, as it should.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
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
  app.add_flag("--json", ctx.json,
               "print one JSON document on stdout (as the command's own --json)");
  app.set_version_flag("--version", std::string("hangar ") + hangar::version());
  app.add_option("-C", ctx.dir, "run as if hangar was started in DIR")->type_name("DIR");
  std::string color_mode = "auto";
  app.add_option("--color", color_mode,
                 "colour the output: auto (on a terminal, unless NO_COLOR is set), always, never")
      ->type_name("WHEN");

  register_repo_commands(app, ctx);
  register_column_commands(app, ctx);
  register_sample_commands(app, ctx);
  register_import_export_commands(app, ctx);
  register_commit_commands(app, ctx);
  register_branch_commands(app, ctx);
  register_tag_command(app, ctx);
  register_pull_command(app, ctx);
  register_remote_commands(app, ctx);
  register_drop_data_command(app, ctx);
  register_server_commands(app, ctx);
  register_diff_commands(app, ctx);
  register_merge_commands(app, ctx);
  register_maintenance_commands(app, ctx);
  register_config_commands(app, ctx);
  register_upgrade_command(app, ctx);

  // hangar help [COMMAND...]: the help of a command, as COMMAND --help prints it; --all: every
  // command's (docs/reference/hangar.md).
  auto help_words = std::make_shared<std::vector<std::string>>();
  auto help_all = std::make_shared<bool>(false);
  CLI::App* help = app.add_subcommand("help", "print the help of a command (or of hangar)");
  help->add_option("COMMAND", *help_words, "a command, e.g. 'branch create'");
  help->add_flag("--all", *help_all, "the help of every command, as Markdown (the reference)")
      ->excludes(help->get_option("COMMAND"));
  help->callback([&ctx, &app, help_words, help_all] {
    ctx.action = [&app, help_words, help_all] {
      if (*help_all) return print_reference(std::cout, app);
      const CLI::App* at = &app;
      std::string parents;  // "hangar branch" for 'help branch create', as --help names it
      for (const std::string& word : *help_words) {
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->get_name() == word) next = sub;
        if (next == nullptr)
          throw UsageError("unknown command '" + word + "'" +
                           did_you_mean(word, command_names(*at)));
        parents += (parents.empty() ? "" : " ") + at->get_name();
        at = next;
      }
      std::cout << at->help(parents);
    };
  });

  register_completion_command(app, ctx);  // last: it completes every command above

  if (argc <= 1) {  // hangar alone: the usage, as git prints it, and success
    std::cout << app.help();
    return 0;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print on stdout and succeed; CLI11's own codes are 100+.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  keep_freed_memory_if_transfer(app);

  try {
    // --json before the command is the command's --json; a command without one refuses it.
    if (ctx.json && deepest(app).get_option_no_throw("--json") == nullptr)
      throw UsageError("'" + command_path(app) + "' has no --json");
    ctx.color = use_color(parse_color_mode(color_mode), ctx.json, ::isatty(STDOUT_FILENO) == 1);
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
      print_error("internal: " + hangar::report::error_text(e) + " (please report)");
      return kExitInternal;
    }
    print_error(hangar::report::error_text(e));
    return e.code() == hangar::ErrorCode::Interrupted ? interrupted_exit_code() : kExitError;
  } catch (const std::filesystem::filesystem_error& e) {
    print_error(e.what());
    return kExitError;
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what() + " (please report)");
    return kExitInternal;
  }
}
