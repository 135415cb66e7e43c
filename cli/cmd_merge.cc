// hangar merge BRANCH [-m MSG] [--strategy ours|theirs] [--resolve NAME=ours|theirs]...
// Exit code 1 when the merge stops on conflicts (nothing written); they are listed on stdout.
#include <hangar/repository.h>

#include <string>

#include "context.h"
#include "merge_output.h"
#include "output.h"
#include "parse.h"

namespace hangar::cli {
namespace {

std::string conflict_text(const Conflict& c) {
  const std::string where = c.key ? sample_name(c.column, *c.key, c.subkey) : "column " + c.column;
  std::string text = "CONFLICT (" + std::string(conflict_kind_name(c.kind)) + "): " + where;
  if (c.region)  // a chunked tensor: the first block both sides changed
    text += " in region " + shape_to_string(c.region->extent) + " at " +
            shape_to_string(c.region->origin);
  return text;
}

}  // namespace

MergeOptions merge_options(const MergeArgs& args) {
  MergeOptions options;
  options.message = args.message;
  if (args.strategy == "ours") options.strategy = MergeStrategy::Ours;
  if (args.strategy == "theirs") options.strategy = MergeStrategy::Theirs;
  for (const std::string& r : args.resolve) {
    const auto eq = r.rfind('=');
    const std::string side = eq == std::string::npos ? "" : r.substr(eq + 1);
    if (eq == 0 || (side != "ours" && side != "theirs"))
      throw UsageError(
          "--resolve takes NAME=ours or NAME=theirs (NAME as the conflict is "
          "listed, e.g. images/17), not '" +
          r + "'");
    options.resolve.push_back(
        {r.substr(0, eq), side == "ours" ? MergeStrategy::Ours : MergeStrategy::Theirs});
  }
  return options;
}

namespace {
// How a resolved conflict was settled: "--resolve images/17=theirs" or "--strategy ours".
std::string settled_by(const Conflict& c, const MergeArgs& args) {
  for (auto it = args.resolve.rbegin(); it != args.resolve.rend(); ++it) {
    const std::string name = it->substr(0, it->rfind('='));
    if (name == conflict_name(c) || name == c.column) return "--resolve " + *it;
  }
  return "--strategy " + args.strategy;
}
}  // namespace

void print_merge_result(std::ostream& out, const MergeResult& r, const MergeArgs& args,
                        const std::string& branch) {
  switch (r.kind) {
    case MergeResult::Kind::UpToDate:
      out << "already up to date\n";
      return;
    case MergeResult::Kind::FastForward:
      out << "fast-forward " << branch << " to " << r.commit->short_hex() << '\n';
      return;
    case MergeResult::Kind::Merged:
      out << "merged " << args.branch << " into " << branch << ": " << r.commit->short_hex()
          << '\n';
      for (const auto& c : r.resolved)
        out << "  resolved with " << settled_by(c, args) << ": " << conflict_text(c) << '\n';
      return;
    case MergeResult::Kind::Conflict:
      for (const auto& c : r.conflicts) out << conflict_text(c) << '\n';
      out << "merge of " << args.branch << " into " << branch << " stopped: " << r.conflicts.size()
          << (r.conflicts.size() == 1 ? " conflict" : " conflicts")
          << "; nothing was written (re-run with --resolve NAME=ours|theirs per conflict, or "
             "--strategy ours|theirs for all)\n";
      return;
  }
}

namespace {

void run_merge(Context& ctx, const MergeArgs& args) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const MergeResult r = repo.merge(args.branch, merge_options(args));
  const std::string branch = repo.current_branch();
  if (ctx.json) {
    print_json(ctx.out, report::merge_json(r));
  } else {
    print_merge_result(ctx.out, r, args, branch);
  }
  if (r.kind == MergeResult::Kind::Conflict) ctx.exit_code = 1;
}

}  // namespace

void register_merge_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* merge =
      app.add_subcommand("merge",
                         "merge BRANCH (or origin/main after 'hangar fetch', or a commit) into the "
                         "current branch (fast-forward or three-way by key)");
  merge->add_option("BRANCH", args->branch, "what to merge: " + revision_help())->required();
  merge->add_option("-m,--message", args->message, "message of the merge commit");
  merge
      ->add_option("--strategy", args->strategy,
                   "resolve every conflict (those --resolve leaves) to one side")
      ->check(CLI::IsMember({"ours", "theirs"}));
  merge
      ->add_option("--resolve", args->resolve,
                   "settle one conflict: NAME=ours|theirs, NAME as the conflict is listed "
                   "(images/17, images/17/3 nested) or a column for all of its conflicts; "
                   "repeatable; other conflicts still stop the merge")
      ->type_name("NAME=SIDE")
      ->allow_extra_args(false);
  add_json_flag(*merge, ctx);
  on_run(*merge, ctx, [&ctx, args] { run_merge(ctx, *args); });
}

}  // namespace hangar::cli
