// hangar branch [list] | branch create NAME [START] | branch delete NAME [--force] | checkout B
#include <hangar/repository.h>

#include "context.h"
#include "output.h"

namespace hangar::cli {
namespace {

struct BranchArgs {
  std::string name;
  std::optional<std::string> start;
  bool force = false;
};

void run_list(Context& ctx) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const std::vector<BranchInfo> branches = repo.branches();
  if (ctx.json) {
    Json doc = Json::array();
    for (const auto& b : branches) {
      doc.push_back(Json{{"name", b.name}, {"commit", b.commit.hex()}, {"current", b.current}});
    }
    print_json(ctx.out, doc);
    return;
  }
  if (branches.empty()) {
    ctx.out << "no branches yet (branch " << repo.current_branch() << " has no commits)\n";
  }
  for (const auto& b : branches) {
    ctx.out << (b.current ? "* " : "  ") << b.name << "  " << b.commit.short_hex() << '\n';
  }
}

void run_create(Context& ctx, const BranchArgs& args) {
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.create_branch(args.name,
                     args.start ? std::optional<std::string_view>(*args.start) : std::nullopt);
  const std::optional<Digest> at = repo.find_branch(args.name);
  if (ctx.json) {
    print_json(ctx.out, Json{{"name", args.name}, {"commit", digest_json(at)}});
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
    print_json(ctx.out, Json{{"name", args.name}, {"commit", digest_json(was)}});
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
    print_json(ctx.out, Json{{"branch", repo.current_branch()}, {"head", digest_json(head)}});
  } else {
    ctx.out << "switched to branch " << repo.current_branch() << " ("
            << (head ? head->short_hex() : std::string("no commits")) << ")\n";
  }
}

}  // namespace

void register_branch_commands(CLI::App& app, Context& ctx) {
  CLI::App* branch = app.add_subcommand("branch", "list, create or delete branches");
  add_json_flag(*branch, ctx);
  // A bare 'hangar branch' lists; subcommand callbacks run first and set their own action.
  branch->callback([&ctx, branch] {
    if (branch->get_subcommands().empty()) ctx.action = [&ctx] { run_list(ctx); };
  });

  CLI::App* list = branch->add_subcommand("list", "branches with their commits");
  add_json_flag(*list, ctx);
  on_run(*list, ctx, [&ctx] { run_list(ctx); });

  auto c = std::make_shared<BranchArgs>();
  CLI::App* create = branch->add_subcommand("create", "create a branch at START (default: HEAD)");
  create->add_option("NAME", c->name, "new branch name")->required();
  create->add_option("START", c->start, "branch, commit digest or prefix");
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
