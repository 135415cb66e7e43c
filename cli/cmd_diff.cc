// hangar diff [A [B]] [--stat | --summary] [--exit-code] | show REF
// diff: none = HEAD -> staged, one = A -> HEAD, two = A -> B.
#include <hangar/repository.h>

#include <optional>
#include <sstream>
#include <string>

#include "color.h"
#include "context.h"
#include "output.h"

namespace hangar::cli {
namespace {

struct DiffArgs {
  std::optional<std::string> from;
  std::optional<std::string> to;
  bool stat = false;
  bool summary = false;
  bool exit_code = false;
};

std::string side_text(const DiffSide& side) {
  switch (side.kind) {
    case DiffSide::Kind::Commit:
      return side.commit.short_hex();
    case DiffSide::Kind::Staged:
      return "staged";
    case DiffSide::Kind::Empty:
      break;
  }
  return "(empty)";
}

std::string counts_text(const DiffCounts& c) {
  return std::to_string(c.added) + " added, " + std::to_string(c.deleted) + " deleted, " +
         std::to_string(c.mutated) + " mutated";
}

void print_schema(std::ostream& out, const SchemaDiff& s, const std::string& indent) {
  for (const auto& n : s.added) out << indent << "new column " << n << '\n';
  for (const auto& n : s.deleted) out << indent << "deleted column " << n << '\n';
  for (const auto& n : s.mutated) out << indent << "changed schema of column " << n << '\n';
}

std::string stats_text(const std::optional<ElementDiff>& s) {
  if (!s) return "  (not comparable: shape/dtype changed or data not local)";
  std::ostringstream o;
  o << "  (" << plural(s->changed, "element") << " changed, max |diff| " << s->max_abs_diff << ')';
  return o.str();
}

// `color`: added samples green, deleted red, changed yellow (color.h).
void print_diff(std::ostream& out, const DiffResult& d, DiffDetail detail, bool color) {
  if (d.empty()) return;  // like git: no output when nothing changed
  out << paint(color, Paint::BoldYellow, "diff " + side_text(d.from) + ".." + side_text(d.to))
      << '\n';
  print_schema(out, d.schema, "");
  for (const auto& [name, c] : d.columns) {
    out << name << ": " << counts_text(c.counts) << '\n';
    if (detail == DiffDetail::Counts) continue;
    for (const auto& k : c.added)
      out << paint(color, Paint::Green, "  + " + sample_name(name, k.key, k.subkey)) << '\n';
    for (const auto& k : c.deleted)
      out << paint(color, Paint::Red, "  - " + sample_name(name, k.key, k.subkey)) << '\n';
    for (const auto& m : c.mutated) {
      out << paint(color, Paint::Yellow, "  ~ " + sample_name(name, m.sample.key, m.sample.subkey));
      if (detail == DiffDetail::Stats) out << stats_text(m.stats);
      out << '\n';
    }
  }
}

DiffSpec resolve_spec(const Repository& repo, const DiffArgs& args) {
  DiffSpec spec;
  spec.detail = args.stat      ? DiffDetail::Stats
                : args.summary ? DiffDetail::Counts
                               : DiffDetail::Keys;
  if (!args.from) {
    const std::optional<Digest> head = repo.head();
    spec.from = head ? DiffSide::at(*head) : DiffSide::empty();
    spec.to = DiffSide::staged();
  } else {
    spec.from = DiffSide::at(repo.resolve(*args.from));
    spec.to = DiffSide::at(repo.resolve(args.to ? *args.to : std::string("HEAD")));
  }
  return spec;
}

void run_diff(Context& ctx, const DiffArgs& args) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const DiffSpec spec = resolve_spec(repo, args);
  const DiffResult d = repo.diff(spec);
  if (ctx.json) {
    print_json(ctx.out, report::diff_json(d, spec.detail));
  } else {
    print_diff(ctx.out, d, spec.detail, ctx.color);
  }
  if (args.exit_code && !d.empty()) ctx.exit_code = 1;
}

void run_show(Context& ctx, const std::string& rev) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const ShowResult s = repo.show(repo.resolve(rev));
  if (ctx.json) {
    print_json(ctx.out, report::show_json(s));
    return;
  }
  const Commit& c = s.commit;
  ctx.out << "commit " << s.digest.hex() << '\n';
  if (c.parents.size() > 1) {
    ctx.out << "Merge:";
    for (const auto& p : c.parents) ctx.out << ' ' << p.short_hex();
    ctx.out << '\n';
  }
  ctx.out << "Author: " << c.author << " <" << c.email << ">\n";
  ctx.out << "Date:   " << report::iso8601_utc(c.time) << "\n\n";
  std::istringstream message(c.message);
  for (std::string line; std::getline(message, line);) ctx.out << "    " << line << '\n';
  ctx.out << '\n';
  print_schema(ctx.out, s.changes.schema, " ");
  for (const auto& [name, d] : s.changes.columns)
    ctx.out << ' ' << name << ": " << counts_text(d.counts) << '\n';
}

}  // namespace

void register_diff_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* diff = app.add_subcommand(
      "diff", "changes between commits: none = HEAD..staged, A = A..HEAD, A B = A..B");
  diff->add_option("from", args->from, revision_help());
  diff->add_option("to", args->to, revision_help("HEAD"));
  CLI::Option* stat =
      diff->add_flag("--stat", args->stat, "per mutated sample: elements changed, max |diff|");
  diff->add_flag("--summary", args->summary, "counts per column only")->excludes(stat);
  diff->add_flag("--exit-code", args->exit_code, "exit with 1 when there are differences");
  add_json_flag(*diff, ctx);
  on_run(*diff, ctx, [&ctx, args] { run_diff(ctx, *args); });

  auto rev = std::make_shared<std::string>();
  CLI::App* show =
      app.add_subcommand("show", "a commit and its changes per column against its first parent");
  show->add_option("ref", *rev, revision_help())->required();
  add_json_flag(*show, ctx);
  on_run(*show, ctx, [&ctx, rev] { run_show(ctx, *rev); });
}

}  // namespace hangar::cli
