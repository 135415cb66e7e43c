// hangar tag [--list] | tag NAME [REV] | tag -d NAME: lightweight tags (refs/tags/NAME), usable
// wherever a revision is; push REMOTE --tags / push REMOTE TAG send them, fetch and clone bring
// them.
#include <hangar/repository.h>

#include <memory>

#include "context.h"
#include "output.h"
#include "parse.h"

namespace hangar::cli {
namespace {

struct TagArgs {
  std::optional<std::string> name;
  std::optional<std::string> rev;
  std::optional<std::string> del;
  bool list = false;
};

void run_list(Context& ctx) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const std::vector<TagInfo> tags = repo.tags();
  if (ctx.json) {
    Json list = Json::array();
    for (const TagInfo& t : tags)
      list.push_back(Json{{"name", t.name}, {"commit", t.commit.hex()}});
    print_json(ctx.out, Json{{"tags", list}});
    return;
  }
  for (const TagInfo& t : tags) ctx.out << t.name << "  " << t.commit.short_hex() << '\n';
}

void run_create(Context& ctx, const std::string& name, const std::optional<std::string>& rev) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const Digest at =
      repo.create_tag(name, rev ? std::optional<std::string_view>(*rev) : std::nullopt);
  if (ctx.json)
    print_json(ctx.out, Json{{"name", name}, {"commit", at.hex()}});
  else
    ctx.out << "created tag " << name << " at " << at.short_hex() << '\n';
}

void run_delete(Context& ctx, const std::string& name) {
  Repository repo = ctx.open(Repository::Mode::Write);
  const Digest was = repo.delete_tag(name);
  if (ctx.json)
    print_json(ctx.out, Json{{"name", name}, {"commit", was.hex()}});
  else
    ctx.out << "deleted tag " << name << " (was " << was.short_hex() << ")\n";
}

}  // namespace

void register_tag_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<TagArgs>();
  CLI::App* tag = app.add_subcommand(
      "tag", "list tags, tag a commit (tag NAME [REV]) or delete a tag (tag -d NAME)");
  tag->add_option("NAME", a->name, "the tag to create (branch name rules)");
  tag->add_option("REV", a->rev, revision_help("HEAD"));
  tag->add_flag("-l,--list", a->list, "list the tags (the default without NAME)");
  tag->add_option("-d,--delete", a->del, "delete tag NAME")->type_name("NAME");
  add_json_flag(*tag, ctx);
  on_run(*tag, ctx, [&ctx, a] {
    if (a->del) {
      if (a->name || a->list) throw UsageError("-d takes one NAME and nothing else");
      run_delete(ctx, *a->del);
    } else if (a->name) {
      if (a->list) throw UsageError("--list takes no NAME");
      run_create(ctx, *a->name, a->rev);
    } else {
      run_list(ctx);
    }
  });
}

}  // namespace hangar::cli
