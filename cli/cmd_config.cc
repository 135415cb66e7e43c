// hangar config [KEY [VALUE]] | config --unset KEY | config --list
#include <hangar/repository.h>

#include "context.h"
#include "output.h"
#include "parse.h"

namespace hangar::cli {
namespace {

struct ConfigArgs {
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool unset = false;
  bool list = false;
};

void run_list(Context& ctx) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const auto values = repo.config_values();
  if (ctx.json) {
    print_json(ctx.out, Json(values));
    return;
  }
  for (const auto& [k, v] : values) ctx.out << k << '=' << v << '\n';
}

void run_config(Context& ctx, const ConfigArgs& a) {
  if (a.unset && !a.key) throw UsageError("--unset needs the KEY to remove");
  if (a.list || !a.key) {
    if (a.key || a.unset) throw UsageError("--list takes no KEY, VALUE or --unset");
    run_list(ctx);
    return;
  }
  if (a.unset && a.value) throw UsageError("--unset takes a KEY and no VALUE");
  if (!a.unset && !a.value) {  // read one key: exit 1 when unset, as git does
    const Repository repo = ctx.open(Repository::Mode::Read);
    const auto v = repo.config_value(*a.key);
    if (ctx.json) print_json(ctx.out, Json{{"key", *a.key}, {"value", v ? Json(*v) : Json()}});
    else if (v) ctx.out << *v << '\n';
    if (!v) ctx.exit_code = 1;
    return;
  }
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.set_config(*a.key, a.value);
  if (ctx.json) print_json(ctx.out, Json{{"key", *a.key}, {"value", a.value ? Json(*a.value) : Json()}});
}

}  // namespace

void register_config_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ConfigArgs>();
  CLI::App* cmd = app.add_subcommand(
      "config", "read or set a repository setting (user.name, user.email, fetch.lazy)");
  cmd->add_option("KEY", a->key, "fetch.lazy (true: read missing samples from the remote), "
                                 "user.name or user.email");
  cmd->add_option("VALUE", a->value, "the new value (omit it to print the current one)");
  cmd->add_flag("--unset", a->unset, "remove KEY");
  cmd->add_flag("-l,--list", a->list, "print every setting as KEY=VALUE");
  add_json_flag(*cmd, ctx);
  cmd->footer(
      "Reading an unset KEY prints nothing and exits 1. Remotes are set with 'hangar remote'.");
  on_run(*cmd, ctx, [&ctx, a] { run_config(ctx, *a); });
}

}  // namespace hangar::cli
