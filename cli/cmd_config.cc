// hangar config [--global] [KEY [VALUE]] | config [--global] --unset KEY | config [--global] --list
#include <hangar/repository.h>
#include <hangar/user_config.h>

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
  bool global = false;
};

void print_values(Context& ctx, const std::map<std::string, std::string>& values) {
  if (ctx.json) {
    print_json(ctx.out, Json(values));
    return;
  }
  for (const auto& [k, v] : values) ctx.out << k << '=' << v << '\n';
}

void print_json_value(Context& ctx, const std::string& key, const std::optional<std::string>& v) {
  print_json(ctx.out, Json{{"key", key}, {"value", v ? Json(*v) : Json()}});
}

void print_value(Context& ctx, const std::string& key, const std::optional<std::string>& v) {
  if (ctx.json)
    print_json_value(ctx, key, v);
  else if (v)
    ctx.out << *v << '\n';
  if (!v) ctx.exit_code = 1;  // read of an unset key: exit 1, as git does
}

std::optional<std::string> global_value(const std::string& key) {
  const auto values = global_config_values();
  auto it = values.find(key);
  return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void run_global(Context& ctx, const ConfigArgs& a) {
  if (a.list) {
    print_values(ctx, global_config_values());
  } else if (!a.unset && !a.value) {
    print_value(ctx, *a.key, global_value(*a.key));
  } else {
    set_global_config(*a.key, a.value);
    if (ctx.json) print_json_value(ctx, *a.key, a.value);
  }
}

void run_config(Context& ctx, const ConfigArgs& a) {
  if (a.unset && !a.key) throw UsageError("--unset needs the KEY to remove");
  if (a.list || !a.key) {
    if (a.key || a.unset) throw UsageError("--list takes no KEY, VALUE or --unset");
  } else if (a.unset && a.value) {
    throw UsageError("--unset takes a KEY and no VALUE");
  }
  if (a.global) {
    run_global(ctx, {a.key, a.value, a.unset, a.list || !a.key, true});
    return;
  }
  if (a.list || !a.key) {
    print_values(ctx, ctx.open(Repository::Mode::Read).config_values());
    return;
  }
  if (!a.unset && !a.value) {  // the repository's value, else the global one
    const Repository repo = ctx.open(Repository::Mode::Read);
    std::optional<std::string> v = repo.config_value(*a.key);
    if (!v) v = global_value(*a.key);
    print_value(ctx, *a.key, v);
    return;
  }
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.set_config(*a.key, a.value);
  if (ctx.json) print_json_value(ctx, *a.key, a.value);
}

}  // namespace

void register_config_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ConfigArgs>();
  CLI::App* cmd = app.add_subcommand(
      "config",
      "read or set a setting (user.name, user.email, fetch.lazy), of this repository "
      "or, with --global, of every repository");
  cmd->add_option("KEY", a->key,
                  "fetch.lazy (true: read missing samples from the remote), user.name, "
                  "user.email or user.useConfigOnly (true: never guess the author)");
  cmd->add_option("VALUE", a->value, "the new value (omit it to print the current one)");
  cmd->add_flag("--unset", a->unset, "remove KEY");
  cmd->add_flag("-l,--list", a->list, "print every setting as KEY=VALUE");
  cmd->add_flag("--global", a->global,
                "the user's config file ($XDG_CONFIG_HOME/hangar/config, default "
                "~/.config/hangar/config): user.* only");
  add_json_flag(*cmd, ctx);
  cmd->footer(
      "Reading an unset KEY prints nothing and exits 1; without --global a KEY the repository "
      "does not set is read from the global file. The author of a commit: user.name / "
      "user.email of the repository, else of the global file, else HANGAR_AUTHOR_NAME / "
      "HANGAR_AUTHOR_EMAIL, else the passwd entry (not with user.useConfigOnly = true); with "
      "none, commit is refused. Remotes are set with 'hangar remote'.");
  on_run(*cmd, ctx, [&ctx, a] { run_config(ctx, *a); });
}

}  // namespace hangar::cli
