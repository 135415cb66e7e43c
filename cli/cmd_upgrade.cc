// hangar upgrade [PATH] [--keep-old] [--json]: converts a repository of storage format 1 into
// format 2 in place (hangar/upgrade.h; docs/decisions/0015-upgrading-format-1.md).
#include <hangar/upgrade.h>

#include <cstdio>
#include <memory>
#include <string>

#include "context.h"
#include "output.h"
#include "progress.h"

namespace hangar::cli {
namespace {

struct UpgradeArgs {
  std::string path;
  bool keep_old = false;
};

std::string count(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

Json report_json(const UpgradeReport& r) {
  Json refs = Json::object();
  for (const auto& [name, commit] : r.refs) refs[name] = commit.hex();
  Json sources = Json::object();
  for (const auto& [remote, path] : r.chunk_sources) sources[remote] = path.string();
  return Json{{"root", r.root.string()},
              {"from_format", r.already ? 2 : 1},
              {"to_format", 2},
              {"already", r.already},
              {"finished_interrupted", r.finished},
              {"commits", r.commits},
              {"branches", r.branches},
              {"remote_refs", r.remote_refs},
              {"columns", r.columns},
              {"samples", r.samples},
              {"chunks", r.chunks},
              {"chunk_bytes", r.chunk_bytes},
              {"borrowed_chunks", r.borrowed_chunks},
              {"chunk_sources", sources},
              {"disk_bytes_before", r.disk_bytes_before},
              {"disk_bytes_after", r.disk_bytes_after},
              {"seconds", r.seconds},
              {"head_branch", r.head_branch},
              {"refs", refs},
              {"verified", !r.already},
              {"kept_old", r.kept_old ? Json(r.kept_old->string()) : Json(nullptr)}};
}

// "  3 chunks that were not local were read from remote 'origin' ('/srv/data')\n", or "".
std::string borrowed_text(const UpgradeReport& r) {
  if (r.borrowed_chunks == 0) return "";
  std::string from;
  for (const auto& [remote, path] : r.chunk_sources)
    from += (from.empty() ? "" : ", ") + ("remote '" + remote + "' ('" + path.string() + "')");
  const bool one = r.borrowed_chunks == 1;
  return "  " + count(r.borrowed_chunks, "chunk", "chunks") + (one ? " that was" : " that were") +
         " not local " + (one ? "was" : "were") + " read from " + from + "\n";
}

void print_report(std::ostream& out, const UpgradeReport& r) {
  if (r.finished) out << "finished an interrupted upgrade of '" << r.root.string() << "'\n";
  if (r.already) {
    out << "'" << r.root.string() << "' is already storage format 2; nothing to do\n";
    return;
  }
  out << "upgraded '" << r.root.string() << "' from storage format 1 to 2 in "
      << seconds_text(r.seconds) << "\n"
      << "  " << count(r.commits, "commit", "commits") << ", "
      << count(r.branches, "branch", "branches") << ", "
      << count(r.remote_refs, "remote-tracking ref", "remote-tracking refs") << "; HEAD on '"
      << r.head_branch << "'\n"
      << "  " << count(r.columns, "column", "columns") << ", "
      << count(r.samples, "sample", "samples") << ", " << count(r.chunks, "chunk", "chunks") << " ("
      << human_bytes(r.chunk_bytes) << ")\n"
      << borrowed_text(r)
      << "  verified: every sample of every commit re-read and identical, fsck clean\n"
      << "  on disk: " << human_bytes(r.disk_bytes_before) << " before, "
      << human_bytes(r.disk_bytes_after) << " after\n";
  if (r.kept_old) {
    out << "  the format-1 data is kept in '" << r.kept_old->string()
        << "' (remove it when no longer needed)\n";
  } else {
    out << "  the format-1 data was removed (--keep-old keeps it)\n";
  }
}

void run_upgrade(Context& ctx, const UpgradeArgs& a) {
  const std::filesystem::path root = Repository::find_root(
      a.path.empty() ? std::filesystem::current_path() : std::filesystem::path(a.path));
  Progress bar("upgrade", ctx.is_tty && !ctx.json, ctx.err);
  UpgradeOptions options;
  options.keep_old = a.keep_old;
  options.progress = bar.callback();
  const UpgradeReport r = upgrade_repository(root, options);
  bar.finish();
  if (ctx.json) {
    print_json(ctx.out, report_json(r));
  } else {
    print_report(ctx.out, r);
  }
}

}  // namespace

void register_upgrade_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<UpgradeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "upgrade",
      "convert a repository of storage format 1 (an older hangar) into format 2, in place");
  cmd->add_option("PATH", a->path, "the repository (default: the one enclosing this folder)");
  cmd->add_flag("--keep-old", a->keep_old,
                "keep the format-1 data in .hangar.format1 instead of deleting it");
  add_json_flag(*cmd, ctx);
  cmd->footer(
      "Builds the new repository in .hangar.upgrade with every commit (same authors, times, "
      "messages and parents), branch, remote-tracking ref and setting; re-reads every sample of "
      "every commit and compares it with the old bytes; runs fsck; only then swaps it in. A "
      "crash or Ctrl-C before the swap leaves the old repository as it was (run upgrade again); "
      "after it, the next hangar command finishes the swap. Refuses, changing nothing, a "
      "repository with staged changes or with chunks that are not local (a partial clone). The "
      "same history upgrades to the same commit digests anywhere, so a server and its clones "
      "agree. On a repository of format 2 it does nothing.");
  on_run_interruptible(*cmd, ctx, [&ctx, a] { run_upgrade(ctx, *a); });
}

}  // namespace hangar::cli
