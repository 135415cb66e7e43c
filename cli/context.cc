// Context: locating and opening the repository a command works on.
#include "context.h"

#include <hangar/remote/lazy_fetch.h>

#include "signals.h"

namespace hangar::cli {

std::filesystem::path Context::find_root() const {
  return Repository::find_root(std::filesystem::current_path());
}

Repository Context::open(Repository::Mode mode) const {
  Repository repo = Repository::open(find_root(), mode);
  remote::enable_lazy_fetch(repo);  // config fetch.lazy: reads fetch what is not local
  return repo;
}

Checkout view_at(const Repository& repo, const std::optional<std::string>& ref) {
  if (!ref) return repo.staged_view();
  return repo.checkout_at(repo.resolve(*ref));
}

std::string revision_help(std::string_view default_note) {
  std::string help =
      "branch, tag, origin/BRANCH, HEAD or commit (prefix), with optional ~N / ^N steps "
      "(HEAD~1, main^2)";
  if (!default_note.empty()) help.append(" (default: ").append(default_note).append(")");
  return help;
}

void on_run(CLI::App& cmd, Context& ctx, std::function<void()> run) {
  cmd.callback([&ctx, run = std::move(run)] { ctx.action = run; });
}

void on_run_interruptible(CLI::App& cmd, Context& ctx, std::function<void()> run) {
  on_run(cmd, ctx, [run = std::move(run)] {
    catch_stop_signals();
    run();
  });
}

void add_json_flag(CLI::App& cmd, Context& ctx) {
  cmd.add_flag("--json", ctx.json, "print one JSON document on stdout");
}

}  // namespace hangar::cli
