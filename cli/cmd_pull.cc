// hangar pull [REMOTE [BRANCH]]: fetch, the data the incoming commits changed, and a merge of
// REMOTE/BRANCH into the current branch (remote::pull). Exit code 1 when the merge stops on
// conflicts (the fetch stays done), as merge's.
#include <hangar/error.h>
#include <hangar/remote/operations.h>

#include <memory>

#include "context.h"
#include "merge_output.h"
#include "output.h"
#include "phase_progress.h"
#include "remote_flags.h"

namespace hangar::cli {
namespace {

struct PullArgs {
  std::optional<std::string> remote;
  std::optional<std::string> branch;
  bool no_data = false;
  MergeArgs merge;
  RemoteFlags flags;
};

void run_pull(Context& ctx, PullArgs a) {
  Repository repo = ctx.open(Repository::Mode::Write);
  remote::PullOptions o;
  o.remote = remote_or_default(repo, a.remote.value_or(""));
  o.branch = a.branch;
  o.data = !a.no_data;
  o.transport = a.flags.transport();
  a.merge.branch = o.remote + "/" + a.branch.value_or(repo.current_branch());
  o.merge = merge_options(a.merge);
  PhaseProgress progress(ctx, "pull");
  o.progress = progress.callback();
  const remote::PullResult r = remote::pull(repo, o);
  progress.finish();
  if (r.merge.kind == MergeResult::Kind::Conflict) ctx.exit_code = 1;
  if (ctx.json) {
    Json updated = Json::array();
    for (const auto& c : r.fetch.updated)
      updated.push_back(Json{{"name", c.name},
                             {"old", report::digest_json(c.old_commit)},
                             {"new", c.new_commit.hex()}});
    print_json(ctx.out, Json{{"remote", o.remote},
                             {"upstream", r.upstream},
                             {"updated", updated},
                             {"objects", r.fetch.stats.objects},
                             {"chunks", r.chunks_fetched},
                             {"chunks_unavailable", r.chunks_unavailable},
                             {"bytes_received", r.fetch.stats.bytes_received},
                             {"merge", report::merge_json(r.merge)}});
    return;
  }
  ctx.out << "fetched " << r.upstream << ": " << r.fetch.stats.objects << " objects, "
          << r.chunks_fetched << " chunks, " << human_bytes(r.fetch.stats.bytes_received) << '\n';
  if (r.chunks_unavailable > 0)
    ctx.out << "warning: " << r.chunks_unavailable << " chunks are not on " << o.remote
            << " either\n";
  print_merge_result(ctx.out, r.merge, a.merge, repo.current_branch());
}

}  // namespace

void register_pull_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PullArgs>();
  CLI::App* pull = app.add_subcommand(
      "pull",
      "fetch a remote branch, the data its new commits changed, and merge it into the "
      "current branch");
  pull->add_option("REMOTE", a->remote,
                   "remote name (default: the clone's remote, or the only one)");
  pull->add_option("BRANCH", a->branch, "the remote's branch (default: the current branch's name)");
  pull->add_flag("--no-data", a->no_data,
                 "history only (fetch.lazy repositories never fetch data up front)");
  pull->add_option("-m,--message", a->merge.message, "message of a merge commit");
  pull->add_option("--strategy", a->merge.strategy, "resolve every conflict to one side")
      ->check(CLI::IsMember({"ours", "theirs"}));
  pull->add_option("--resolve", a->merge.resolve,
                   "settle one merge conflict: NAME=ours|theirs (as 'hangar merge --resolve')")
      ->type_name("NAME=SIDE")
      ->allow_extra_args(false);
  add_remote_flags(*pull, a->flags);
  add_json_flag(*pull, ctx);
  on_run_interruptible(*pull, ctx, [&ctx, a] { run_pull(ctx, *a); });
}

}  // namespace hangar::cli
