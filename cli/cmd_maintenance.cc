// hangar fsck [--rehash] [--exit-code] | gc [--dry-run] [--threshold F] | gc --remote NAME
#include <hangar/error.h>
#include <hangar/maintenance.h>
#include <hangar/remote/operations.h>
#include <hangar/repository.h>

#include <memory>
#include <string>

#include "compaction_output.h"
#include "context.h"
#include "output.h"
#include "parse.h"
#include "progress.h"
#include "remote_flags.h"

namespace hangar::cli {
namespace {

struct FsckArgs {
  bool rehash = false;
  bool exit_code = false;
};

void run_fsck(Context& ctx, const FsckArgs& args) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  Progress progress("fsck chunks", shows_progress(ctx.is_tty, ctx.json), ctx.err,
                    ProgressUnit::Bytes);
  const FsckReport r = fsck(repo, args.rehash, progress.callback());
  progress.finish();
  if (ctx.json) {
    Json problems = Json::array();
    for (const FsckProblem& p : r.problems) {
      problems.push_back(
          Json{{"kind", p.kind}, {"digest", p.digest.hex()}, {"message", p.message}});
    }
    print_json(ctx.out, Json{{"ok", r.ok()},
                             {"commits", r.commits},
                             {"objects", r.objects},
                             {"chunks", r.chunks},
                             {"not_local", r.not_local},
                             {"problems", problems}});
  } else {
    ctx.out << "checked " << plural(r.commits, "commit") << ", " << plural(r.pages, "record page")
            << ", " << plural(r.samples, "sample") << ", " << plural(r.chunks, "chunk")
            << (args.rehash ? " (re-hashed)" : "") << '\n';
    if (r.not_local > 0)
      ctx.out << plural(r.not_local, "chunk") << (r.not_local == 1 ? " is" : " are")
              << " not local (partial clone)\n";
    for (const FsckProblem& p : r.problems) ctx.out << p.kind << ": " << p.message << '\n';
    ctx.out << (r.ok() ? std::string("ok") : plural(r.problems.size(), "problem")) << '\n';
  }
  if (r.ok()) return;
  if (args.exit_code) {
    ctx.exit_code = 1;
    return;
  }
  ctx.out.flush();
  fail(ErrorCode::Corrupt, "fsck found " + plural(r.problems.size(), "problem") +
                               "; they are listed above (fetch damaged data again "
                               "from a remote with 'hangar fetch-data', or restore a backup)");
}

// gc --remote NAME: the server of NAME collects its object store's garbage.
void run_store_gc(Context& ctx, const std::string& remote, const RemoteFlags& flags) {
  Repository repo = ctx.open(Repository::Mode::Read);
  const hangar::remote::StoreGcReport r = hangar::remote::store_gc(repo, remote, flags.transport());
  if (ctx.json) {
    print_json(ctx.out, Json{{"remote", remote},
                             {"packs_deleted", r.packs_deleted},
                             {"bytes_deleted", r.bytes_deleted},
                             {"packs_live", r.packs_live},
                             {"packs_kept_young", r.packs_kept_young},
                             {"packs_kept_session", r.packs_kept_session},
                             {"uploads_deleted", r.uploads_deleted}});
    return;
  }
  ctx.out << "remote " << remote << ": deleted " << plural(r.packs_deleted, "data pack") << " ("
          << human_bytes(r.bytes_deleted) << ") from its object store; kept " << r.packs_live
          << " live, " << r.packs_kept_young << " too young to judge, " << r.packs_kept_session
          << " of pushes in flight; removed " << plural(r.uploads_deleted, "abandoned upload")
          << '\n';
}

void run_gc(Context& ctx, const GcOptions& options, const std::string& remote,
            const RemoteFlags& flags) {
  if (flags.insecure && remote.empty()) throw UsageError("--insecure goes with --remote NAME");
  if (!remote.empty()) return run_store_gc(ctx, remote, flags);
  Repository repo = ctx.open(Repository::Mode::Write);
  Progress progress("gc chunks", shows_progress(ctx.is_tty, ctx.json), ctx.err,
                    ProgressUnit::Bytes);
  GcOptions with_progress = options;
  with_progress.progress = progress.callback();
  const GcReport r = gc(repo, with_progress);
  progress.finish();
  if (ctx.json) {
    Json doc{{"dry_run", r.dry_run},           {"chunks", r.chunks},
             {"chunk_bytes", r.chunk_bytes},   {"objects", r.objects},
             {"object_bytes", r.object_bytes}, {"disk_bytes_freed", r.space.freed()},
             {"compacted", r.space.compacted}, {"pending_bytes", r.space.pending_bytes}};
    add_compaction_json(doc, r.space.compaction);
    print_json(ctx.out, doc);
    return;
  }
  const char* verb = r.dry_run ? "would remove " : "removed ";
  ctx.out << verb << plural(r.chunks, "unreferenced chunk") << " (" << human_bytes(r.chunk_bytes)
          << ") and " << plural(r.objects, "unreachable object") << " ("
          << human_bytes(r.object_bytes) << ")";
  if (r.space.freed() > 0) ctx.out << "; freed " << human_bytes(r.space.freed()) << " on disk";
  ctx.out << "\n";
  print_compaction(ctx.out, r.space.compaction, r.dry_run);
  if (r.space.pending_bytes > 0)
    ctx.out << human_bytes(r.space.pending_bytes)
            << " stay allocated in the chunk files because another hangar process has the "
               "repository open; a later gc or drop-data returns them\n";
}

}  // namespace

void register_maintenance_commands(CLI::App& app, Context& ctx) {
  auto fa = std::make_shared<FsckArgs>();
  CLI::App* fsck_cmd = app.add_subcommand(
      "fsck",
      "check every reachable object and stored chunk (read-only; safe while a writer runs)");
  fsck_cmd->footer(
      "Exit codes: 0 clean; with problems, the report on stdout, then 3 and one error line on "
      "stderr, or with --exit-code 1 and no error line.");
  fsck_cmd->add_flag("--rehash", fa->rehash, "also decode and re-hash every stored chunk");
  fsck_cmd->add_flag("--exit-code", fa->exit_code, "exit with 1 (not 3) when problems are found");
  add_json_flag(*fsck_cmd, ctx);
  on_run_interruptible(*fsck_cmd, ctx, [&ctx, fa] { run_fsck(ctx, *fa); });

  auto go = std::make_shared<GcOptions>();
  auto gc_remote = std::make_shared<std::string>();
  auto gc_flags = std::make_shared<RemoteFlags>();
  CLI::App* gc_cmd = app.add_subcommand(
      "gc",
      "drop chunks and objects that no ref, HEAD or staged change reaches (takes the lock) "
      "and give the chunks' disk space back");
  gc_cmd->add_flag("--dry-run", go->dry_run,
                   "only report what would be removed and how many bytes that would free");
  add_threshold_option(*gc_cmd, go->threshold);
  add_json_flag(*gc_cmd, ctx);
  gc_cmd->footer(
      "Data segments and pack files with no live chunk are deleted; those less live than "
      "--threshold are rewritten with their live chunks only (docs/decisions/0013). Safe "
      "against a crash at any moment; readers (checkouts, a server) read on meanwhile. While a "
      "server of this repository receives a push (its chunks are stored before a ref names "
      "them), gc refuses (exit 3, nothing changed): run it again once the push is done.");
  gc_cmd->add_option("--remote", *gc_remote,
                     "instead: ask the server of remote NAME to delete what nothing reachable "
                     "names from the object store that holds its data (needs a write token)");
  add_remote_flags(*gc_cmd, *gc_flags);
  on_run_interruptible(
      *gc_cmd, ctx, [&ctx, go, gc_remote, gc_flags] { run_gc(ctx, *go, *gc_remote, *gc_flags); });
}

}  // namespace hangar::cli
