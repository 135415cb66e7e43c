// hangar branch [list] [--all] | branch create NAME [START] | branch delete NAME [--force] |
// checkout BRANCH
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include "context.h"
#include "output.h"

namespace hangar::cli {
namespace {

struct BranchArgs {
  std::string name;
  std::optional<std::string> start;
  bool force = false;
};

// Local branches sorted by name, then (with `all`) the remote-tracking ones ("origin/main")
// sorted by name.
void run_list(Context& ctx, bool all) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const std::vector<BranchInfo> local = repo.branches();
  const std::vector<BranchInfo> tracking =
      all ? transfer::remote_branches(repo) : std::vector<BranchInfo>{};
  if (ctx.json) {
    print_json(ctx.out, report::branches_json(local, tracking));
    return;
  }
  if (local.empty() && tracking.empty()) {
    ctx.out << "no branches yet (branch " << repo.current_branch() << " has no commits)\n";
  }
  auto print = [&ctx](const std::vector<BranchInfo>& branches, bool remote) {
    for (const BranchInfo& b : branches) {
      ctx.out << (b.current ? "* " : "  ") << b.name << "  " << b.commit.short_hex()
              << (remote ? "  (remote)" : "") << '\n';
    }
  };
  print(local, false);
  print(tracking, true);
}

void run_create(Context& ctx, const BranchArgs& args) {
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.create_branch(args.name,
                     args.start ? std::optional<std::string_view>(*args.start) : std::nullopt);
  const std::optional<Digest> at = repo.find_branch(args.name);
  if (ctx.json) {
    print_json(ctx.out, Json{{"name", args.name}, {"commit", report::digest_json(at)}});
  } else {
    ctx.out << "created branch " << args.name << " at "
            << (at ? at->short_hex() : std::string("(no commit)")) << '\n';
  }
}

void run_delete(Context& ctx, const BranchArgs& args) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const std::optional<Digest> was = repo.find_branch(args.name);
  repo.delete_branch(args.name, args.force);
  if (ctx.json) {
    print_json(ctx.out, Json{{"name", args.name}, {"commit", report::digest_json(was)}});
  } else {
    ctx.out << "deleted branch " << args.name << " (was "
            << (was ? was->short_hex() : std::string("unborn")) << ")\n";
  }
}

void run_checkout(Context& ctx, const std::string& branch) {
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.checkout(branch);
  const std::optional<Digest> head = repo.head();
  if (ctx.json) {
    print_json(ctx.out,
               Json{{"branch", repo.current_branch()}, {"head", report::digest_json(head)}});
  } else {
    ctx.out << "switched to branch " << repo.current_branch() << " ("
            << (head ? head->short_hex() : std::string("no commits")) << ")\n";
  }
}

}  // namespace

void register_branch_commands(CLI::App& app, Context& ctx) {
  CLI::App* branch = app.add_subcommand("branch", "list, create or delete branches");
  // 'hangar branch [-a]' and 'hangar branch list [-a]' list; --all binds to the same flag.
  auto all = std::make_shared<bool>(false);
  constexpr const char* kAllHelp = "remote-tracking branches (origin/main) too, after local ones";
  branch->add_flag("-a,--all", *all, kAllHelp);
  add_json_flag(*branch, ctx);
  CLI::App* list = branch->add_subcommand("list", "branches with their commits");
  // A bare 'hangar branch' lists; subcommand callbacks run first and set their own action.
  branch->callback([&ctx, branch, list, all] {
    const std::vector<CLI::App*> subs = branch->get_subcommands();
    if (subs.empty()) ctx.action = [&ctx, all] { run_list(ctx, *all); };
    else if (*all && subs.front() != list)
      throw CLI::ValidationError("--all", "only 'hangar branch list' takes it");
  });

  list->add_flag("-a,--all", *all, kAllHelp);
  add_json_flag(*list, ctx);
  on_run(*list, ctx, [&ctx, all] { run_list(ctx, *all); });

  auto c = std::make_shared<BranchArgs>();
  CLI::App* create = branch->add_subcommand("create", "create a branch at START (default: HEAD)");
  create->add_option("NAME", c->name, "new branch name")->required();
  create->add_option("START", c->start, revision_help("HEAD"));
  add_json_flag(*create, ctx);
  on_run(*create, ctx, [&ctx, c] { run_create(ctx, *c); });

  auto d = std::make_shared<BranchArgs>();
  CLI::App* del = branch->add_subcommand("delete", "delete a branch");
  del->add_option("NAME", d->name, "branch name")->required();
  del->add_flag("-f,--force", d->force, "delete even if its commits are on no other branch");
  add_json_flag(*del, ctx);
  on_run(*del, ctx, [&ctx, d] { run_delete(ctx, *d); });

  auto target = std::make_shared<std::string>();
  CLI::App* checkout = app.add_subcommand("checkout", "switch to another branch");
  checkout->add_option("BRANCH", *target, "branch name")->required();
  add_json_flag(*checkout, ctx);
  on_run(*checkout, ctx, [&ctx, target] { run_checkout(ctx, *target); });
}

}  // namespace hangar::cli
