// hangar commit -m MSG | reset
#include <hangar/repository.h>

#include "context.h"
#include "output.h"

namespace hangar::cli {
namespace {

void run_commit(Context& ctx, const std::string& message) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const Digest id = repo.commit(message);
  const std::string branch = repo.current_branch();
  if (ctx.json) {
    print_json(ctx.out, Json{{"commit", id.hex()}, {"branch", branch}});
  } else {
    ctx.out << '[' << branch << ' ' << id.short_hex() << "] " << first_line(message) << '\n';
  }
}

void run_reset(Context& ctx) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const StatusReport before = repo.status();
  repo.reset();
  if (ctx.json) {
    Json dropped = Json::array();
    for (const auto& [column, counts] : before.staged) dropped.push_back(column);
    print_json(ctx.out, Json{{"branch", before.branch},
                             {"head", report::digest_json(before.head)},
                             {"dropped_columns", dropped},
                             {"columns_added", before.columns_added},
                             {"columns_deleted", before.columns_deleted},
                             {"columns_changed", before.columns_changed}});
    return;
  }
  if (before.clean()) {
    ctx.out << "nothing staged\n";
    return;
  }
  for (const auto& name : before.columns_added) ctx.out << "dropped new column " << name << '\n';
  for (const auto& name : before.columns_deleted) {
    ctx.out << "kept column " << name << " (deletion dropped)\n";
  }
  for (const auto& name : before.columns_changed)
    ctx.out << "kept the schema of column " << name << " (change dropped)\n";
  for (const auto& [column, c] : before.staged) {
    ctx.out << "dropped staged changes to " << column << " (" << c.added << " added, " << c.deleted
            << " deleted, " << c.mutated << " mutated)\n";
  }
}

}  // namespace

void register_commit_commands(CLI::App& app, Context& ctx) {
  auto message = std::make_shared<std::string>();
  CLI::App* commit = app.add_subcommand("commit", "record the staged changes on the branch");
  commit->add_option("-m,--message", *message, "commit message")->required();
  add_json_flag(*commit, ctx);
  on_run(*commit, ctx, [&ctx, message] { run_commit(ctx, *message); });

  CLI::App* reset = app.add_subcommand("reset", "drop all staged changes");
  add_json_flag(*reset, ctx);
  on_run(*reset, ctx, [&ctx] { run_reset(ctx); });
}

}  // namespace hangar::cli
