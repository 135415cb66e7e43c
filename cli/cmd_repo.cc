// hangar init | status | summary [REF] | log [REF] [-n N] [--oneline] [--graph]
#include <hangar/labels.h>
#include <hangar/remote_config.h>
#include <hangar/report/hint.h>
#include <hangar/repository.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>

#include "color.h"
#include "context.h"
#include "decorate.h"
#include "log_graph.h"
#include "output.h"

namespace hangar::cli {
namespace {

struct InitArgs {
  std::string path;
  std::optional<std::string> user_name;
  std::optional<std::string> user_email;
};

void run_init(Context& ctx, const InitArgs& args) {
  const std::filesystem::path path = std::filesystem::weakly_canonical(
      std::filesystem::absolute(args.path.empty() ? std::string(".") : args.path));
  // Only what is given goes into the config: the rest comes from the fallback chain at commit
  // time (user_config.h resolve_author), so the global config applies.
  Repository::init(path, UserIdentity{args.user_name.value_or(""), args.user_email.value_or("")});
  if (ctx.json) {
    print_json(ctx.out, Json{{"path", path.string()}});
  } else {
    ctx.out << "initialized empty hangar repository in " << path.string() << '\n';
  }
}

// An unfinished clone (remote_config.h incomplete_clone): status and summary say so, in JSON as
// "incomplete_clone": {"url", "remote", "hint"} (the key is absent for any other repository).
void add_incomplete_clone(Json& doc, const Repository& repo) {
  if (const auto c = transfer::incomplete_clone(repo))
    doc["incomplete_clone"] =
        Json{{"url", c->url},
             {"remote", c->remote},
             {"hint", report::hint_sentence(transfer::complete_clone_hint(repo, *c))}};
}
void print_incomplete_clone(std::ostream& out, const Repository& repo) {
  if (const auto c = transfer::incomplete_clone(repo))
    out << "incomplete clone: the clone of " << c->url
        << " was interrupted and its data is not all here; "
        << report::hint_sentence(transfer::complete_clone_hint(repo, *c)) << '\n';
}

std::string commits_text(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " commit" : " commits");
}

// git's wording: "Your branch is ahead of 'origin/main' by 2 commits." and the others, from
// status_json's "upstream" (report/json.h).
void print_upstream(std::ostream& out, const Json& up) {
  const std::string name = "'" + up["name"].get<std::string>() + "'";
  const auto ahead = up["ahead"].get<std::size_t>(), behind = up["behind"].get<std::size_t>();
  if (ahead == 0 && behind == 0) {
    out << "Your branch is up to date with " << name << ".\n";
  } else if (behind == 0) {
    out << "Your branch is ahead of " << name << " by " << commits_text(ahead)
        << " (hangar push to publish them).\n";
  } else if (ahead == 0) {
    out << "Your branch is behind " << name << " by " << commits_text(behind)
        << ", and can be fast-forwarded (hangar pull).\n";
  } else {
    out << "Your branch and " << name << " have diverged, and have " << ahead << " and " << behind
        << " different commits each, respectively (hangar pull merges them).\n";
  }
}

void run_status(Context& ctx) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const StatusReport st = repo.status();
  Json doc = report::status_json(repo, st);
  if (ctx.json) {
    add_incomplete_clone(doc, repo);
    print_json(ctx.out, doc);
    return;
  }
  if (st.detached)
    ctx.out << "HEAD detached at " << paint(ctx.color, Paint::Red, st.head->short_hex())
            << " (read-only; 'hangar checkout -b NEW' starts a branch here)\n";
  else
    ctx.out << "on branch " << paint(ctx.color, Paint::BoldGreen, st.branch) << '\n';
  if (!doc["upstream"].is_null()) print_upstream(ctx.out, doc["upstream"]);
  ctx.out << (st.head ? "head " + st.head->short_hex() : std::string("no commits yet")) << '\n';
  print_incomplete_clone(ctx.out, repo);
  if (st.clean()) {
    ctx.out << "nothing to commit\n";
    return;
  }
  for (const auto& name : st.columns_added)
    ctx.out << paint(ctx.color, Paint::Green, "  new column:      " + name) << '\n';
  for (const auto& name : st.columns_deleted)
    ctx.out << paint(ctx.color, Paint::Red, "  deleted column:  " + name) << '\n';
  for (const auto& name : st.columns_changed)
    ctx.out << paint(ctx.color, Paint::Yellow, "  changed column:  " + name) << '\n';
  for (const auto& [column, c] : st.staged) {
    ctx.out << "  " << column << ": "
            << paint(ctx.color, Paint::Green, std::to_string(c.added) + " added") << ", "
            << paint(ctx.color, Paint::Red, std::to_string(c.deleted) + " deleted") << ", "
            << paint(ctx.color, Paint::Yellow, std::to_string(c.mutated) + " mutated") << '\n';
  }
}

// summary --by LABEL: keys per class, local/total.
void run_summary_by(Context& ctx, const Checkout& view, const std::string& label) {
  const ClassSummary s = summarize_by_label(view, label);
  if (ctx.json) {
    print_json(ctx.out, report::class_summary_json(view, s));
    return;
  }
  Table table({"CLASS", "VALUE", "KEYS", "LOCAL", "SIZE", "LOCAL SIZE"});
  for (const auto& c : s.classes)
    table.add({c.label.name, std::to_string(c.label.value), std::to_string(c.count),
               std::to_string(c.local_count) + "/" + std::to_string(c.count), human_bytes(c.nbytes),
               human_bytes(c.local_nbytes)});
  ctx.out << "keys by class of column " << label << '\n';
  if (table.empty()) {
    ctx.out << "no labels\n";
  } else {
    table.print(ctx.out);
  }
  if (s.unknown.count > 0)
    ctx.out << s.unknown.count << " keys have an unknown label (their " << label
            << " sample is not local; 'hangar fetch-data REMOTE --columns " << label
            << "' brings them); " << s.unknown.local_count << " of them are local\n";
  if (s.unlabelled > 0)
    ctx.out << s.unlabelled << " keys have no " << label << " sample; " << s.unlabelled_local
            << " of them are local\n";
}

void run_summary(Context& ctx, const std::optional<std::string>& ref,
                 const std::optional<std::string>& by) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const Checkout view = view_at(repo, ref);
  if (by) {
    run_summary_by(ctx, view, *by);
    return;
  }
  if (ctx.json) {
    Json doc = report::summary_json(view);
    add_incomplete_clone(doc, repo);
    print_json(ctx.out, doc);
    return;
  }
  Table table({"COLUMN", "DTYPE", "SHAPE", "LAYOUT", "COUNT", "SIZE", "LOCAL"});
  for (const auto& name : view.column_names()) {
    const ColumnSchema& schema = view.schema(name);
    const ColumnStats stats = view.stats(name);
    table.add({name, std::string(dtype_name(schema.dtype)), shape_text(schema),
               std::string(layout_name(schema.layout)), std::to_string(stats.count),
               human_bytes(stats.nbytes),
               std::to_string(stats.local_count) + "/" + std::to_string(stats.count)});
  }
  if (ref) {
    ctx.out << "commit " << view.commit().value_or(Digest{}).hex() << '\n';
  } else {
    ctx.out << "staged view of branch " << repo.current_branch() << " (head "
            << (view.commit() ? view.commit()->short_hex() : std::string("none")) << ")\n";
  }
  if (table.empty()) {
    ctx.out << "no columns\n";
  } else {
    table.print(ctx.out);
  }
  print_incomplete_clone(ctx.out, repo);
}

struct LogArgs {
  std::optional<std::string> ref;
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  bool graph = false;
  bool oneline = false;
  bool decorate = false;     // --decorate
  bool no_decorate = false;  // --no-decorate; neither: on a terminal only, as git
};

void run_log(Context& ctx, const LogArgs& a) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const std::optional<Digest> from = a.ref ? std::optional(repo.resolve(*a.ref)) : repo.head();
  const bool decorate = a.decorate || (!a.no_decorate && ::isatty(STDOUT_FILENO) == 1);
  const std::optional<Decorations> decorations =
      decorate ? std::optional<Decorations>(repo) : std::nullopt;
  auto names = [&](const LogEntry& e) {
    return decorations ? decorations->of(e.digest, ctx.color) : std::string();
  };
  // "<hash> (HEAD -> main, tag: v1) <subject>", as git log --oneline --decorate.
  auto oneline = [&](const LogEntry& e) {
    return paint(ctx.color, Paint::Yellow, e.digest.short_hex()) + names(e) + ' ' +
           first_line(e.commit.message);
  };
  if (a.graph && !ctx.json && from) {  // the whole DAG in topological order, then `limit` rows
    constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
    print_log_graph(ctx.out, topological_order(repo.log(*from, kAll)), a.limit, oneline);
    return;
  }
  const std::vector<LogEntry> entries = from ? repo.log(*from, a.limit) : std::vector<LogEntry>{};
  if (ctx.json) {
    print_json(ctx.out, report::log_json(entries));
    return;
  }
  if (!from) ctx.out << "no commits yet on branch " << repo.current_branch() << '\n';
  for (const auto& e : entries) {
    if (a.oneline) {
      ctx.out << oneline(e) << '\n';
      continue;
    }
    ctx.out << paint(ctx.color, Paint::Yellow, e.digest.short_hex()) << names(e) << "  "
            << report::iso8601_utc(e.commit.time) << "  " << e.commit.author << "  "
            << first_line(e.commit.message) << '\n';
  }
}

}  // namespace

void register_repo_commands(CLI::App& app, Context& ctx) {
  auto init_args = std::make_shared<InitArgs>();
  CLI::App* init = app.add_subcommand("init", "create an empty repository (default: here)");
  init->add_option("PATH", init_args->path, "directory to create the repository in");
  init->add_option("--user-name", init_args->user_name, "author name for commits");
  init->add_option("--user-email", init_args->user_email, "author email for commits");
  add_json_flag(*init, ctx);
  on_run(*init, ctx, [&ctx, init_args] { run_init(ctx, *init_args); });

  CLI::App* status = app.add_subcommand("status", "show the branch, HEAD and staged changes");
  add_json_flag(*status, ctx);
  on_run(*status, ctx, [&ctx] { run_status(ctx); });

  auto summary_ref = std::make_shared<std::optional<std::string>>();
  CLI::App* summary =
      app.add_subcommand("summary", "columns with sample counts and sizes (default: staged)");
  summary->add_option("REF", *summary_ref, revision_help("staged"));
  auto summary_by = std::make_shared<std::optional<std::string>>();
  summary
      ->add_option("--by", *summary_by,
                   "LABEL column: keys per class, local/total (a key is local when its "
                   "samples in every column are; keys whose label is not local are counted "
                   "as unknown)")
      ->type_name("LABEL");
  add_json_flag(*summary, ctx);
  on_run(*summary, ctx,
         [&ctx, summary_ref, summary_by] { run_summary(ctx, *summary_ref, *summary_by); });

  auto log_args = std::make_shared<LogArgs>();
  CLI::App* log = app.add_subcommand("log", "commits reachable from REF (default: HEAD)");
  log->add_option("REF", log_args->ref, revision_help("HEAD"));
  log->add_option("-n,--max-count", log_args->limit, "show at most N commits")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::size_t n = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            const bool good = ec == std::errc() && end == text.data() + text.size() && n > 0;
            return good ? std::string() : "expected a positive count, got '" + text + "'";
          },
          "N"));
  log->add_flag("--graph", log_args->graph, "draw the commit graph, one line per commit");
  log->add_flag("--oneline", log_args->oneline,
                "one line per commit: short digest, branch and tag names, subject");
  CLI::Option* decorate =
      log->add_flag("--decorate", log_args->decorate,
                    "name the commits that HEAD, branches and tags point at (default: on a "
                    "terminal only)");
  log->add_flag("--no-decorate", log_args->no_decorate, "never name them")->excludes(decorate);
  add_json_flag(*log, ctx);
  on_run(*log, ctx, [&ctx, log_args] { run_log(ctx, *log_args); });
}

}  // namespace hangar::cli
