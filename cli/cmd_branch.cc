// hangar branch [list] [--all] | branch [create] NAME [START] | branch delete NAME [--force] |
// checkout BRANCH | checkout -b NEW [START] | checkout REV (detached, read-only)
#include <hangar/error.h>
#include <hangar/remote_config.h>
#include <hangar/repository.h>

#include "context.h"
#include "output.h"
#include "parse.h"

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
  Table table;  // aligned: "* NAME  COMMIT  [(remote)]"
  for (const BranchInfo& b : local)
    table.add({(b.current ? "* " : "  ") + b.name, b.commit.short_hex()});
  for (const BranchInfo& b : tracking) table.add({"  " + b.name, b.commit.short_hex(), "(remote)"});
  table.print(ctx.out);
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

void print_checkout(Context& ctx, const Repository& repo, const std::string& how) {
  const std::optional<Digest> head = repo.head();
  const bool detached = repo.detached().has_value();
  if (ctx.json) {
    Json doc{{"branch", detached ? Json() : Json(repo.current_branch())},
             {"head", report::digest_json(head)}};
    if (detached) doc["detached"] = true;
    print_json(ctx.out, doc);
  } else if (detached) {
    ctx.out << "HEAD detached at " << head->short_hex()
            << " (read-only: commit and merge are refused; 'hangar checkout -b NEW' starts a "
               "branch here)\n";
  } else {
    ctx.out << how << repo.current_branch() << " ("
            << (head ? head->short_hex() : std::string("no commits")) << ")\n";
  }
}

// checkout -b NEW [START]: creates NEW and switches to it; staged work goes along when NEW
// starts at HEAD. A checkout that fails removes the branch it created.
void run_checkout_new(Context& ctx, const std::string& name,
                      const std::optional<std::string>& start) {
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.create_branch(name, start ? std::optional<std::string_view>(*start) : std::nullopt);
  try {
    repo.checkout(name, true);
  } catch (const Error&) {
    repo.delete_branch(name, true);
    throw;
  }
  print_checkout(ctx, repo, "switched to a new branch ");
}

// The remote-tracking branches named REMOTE/`name` ("origin/dev" for "dev").
std::vector<std::string> tracking_candidates(const Repository& repo, const std::string& name) {
  std::vector<std::string> out;
  for (const BranchInfo& b : transfer::remote_branches(repo)) {
    const auto slash = b.name.find('/');
    if (slash != std::string::npos && b.name.substr(slash + 1) == name) out.push_back(b.name);
  }
  return out;
}

// checkout TARGET: a local branch; else the one remote-tracking branch REMOTE/TARGET, which
// becomes the new local branch TARGET (as git does); else any revision, detached.
void run_checkout(Context& ctx, const std::string& target) {
  Repository repo = ctx.open(Repository::Mode::Write);
  if (repo.find_branch(target)) {
    repo.checkout(target);
    print_checkout(ctx, repo, "switched to branch ");
    return;
  }
  const std::vector<std::string> tracking = tracking_candidates(repo, target);
  if (tracking.size() > 1) {
    std::string names;
    for (const auto& n : tracking) names += (names.empty() ? "" : ", ") + n;
    fail(ErrorCode::Ambiguous, "'" + target + "' matches several remote-tracking branches (" +
                                   names + "); run 'hangar checkout -b " + target + " REMOTE/" +
                                   target + "'");
  }
  if (tracking.size() == 1) {
    repo.create_branch(target, tracking.front());
    try {
      repo.checkout(target);
    } catch (const Error&) {
      repo.delete_branch(target, true);
      throw;
    }
    print_checkout(
        ctx, repo,
        "created branch " + target + " from " + tracking.front() + "; switched to branch ");
    return;
  }
  Digest commit;
  try {
    commit = repo.resolve(target);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
    repo.checkout(target);  // throws the library's NotFound, as the Python checkout says it
  }
  repo.checkout_detached(commit);
  print_checkout(ctx, repo, "");
}

}  // namespace

void register_branch_commands(CLI::App& app, Context& ctx) {
  CLI::App* branch = app.add_subcommand("branch", "list, create or delete branches");
  // 'hangar branch [-a]' and 'hangar branch list [-a]' list; --all binds to the same flag.
  auto all = std::make_shared<bool>(false);
  constexpr const char* kAllHelp = "remote-tracking branches (origin/main) too, after local ones";
  branch->add_flag("-a,--all", *all, kAllHelp);
  add_json_flag(*branch, ctx);
  // 'hangar branch NAME [START]' is 'hangar branch create NAME [START]', as in git.
  auto short_create = std::make_shared<BranchArgs>();
  auto* short_name = branch->add_option("NAME", short_create->name,
                                        "create branch NAME (as 'branch create NAME [START]')");
  branch->add_option("START", short_create->start, revision_help("HEAD"));
  CLI::App* list = branch->add_subcommand("list", "branches with their commits");
  // A bare 'hangar branch' lists; subcommand callbacks run first and set their own action.
  branch->callback([&ctx, branch, list, all, short_create, short_name] {
    const std::vector<CLI::App*> subs = branch->get_subcommands();
    if (subs.empty() && short_name->count() > 0) {
      if (*all) throw CLI::ValidationError("--all", "only 'hangar branch list' takes it");
      ctx.action = [&ctx, short_create] { run_create(ctx, *short_create); };
    } else if (subs.empty()) {
      ctx.action = [&ctx, all] { run_list(ctx, *all); };
    } else if (short_name->count() > 0) {
      throw CLI::ValidationError("NAME", "give it after 'create' or without a subcommand");
    } else if (*all && subs.front() != list) {
      throw CLI::ValidationError("--all", "only 'hangar branch list' takes it");
    }
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

  auto target = std::make_shared<std::optional<std::string>>();
  auto new_branch = std::make_shared<std::optional<std::string>>();
  CLI::App* checkout = app.add_subcommand(
      "checkout", "switch to another branch, create one (-b), or look at any commit (detached)");
  checkout->add_option("BRANCH", *target,
                       "a branch; a name only a remote has (origin/NAME) creates that branch "
                       "from it; any other revision detaches HEAD there, read-only. With -b: "
                       "where NEW starts (default: HEAD)");
  checkout->add_option("-b", *new_branch, "create branch NEW and switch to it")->type_name("NEW");
  add_json_flag(*checkout, ctx);
  on_run(*checkout, ctx, [&ctx, target, new_branch] {
    if (*new_branch)
      run_checkout_new(ctx, **new_branch, *target);
    else if (*target)
      run_checkout(ctx, **target);
    else
      throw UsageError("checkout needs a BRANCH (or -b NEW)");
  });
}

}  // namespace hangar::cli
