// hangar drop-data: frees the disk space of sample data a remote is known to hold (the CLI
// over remote/drop_data.h; fetch-data brings it back).
#include <hangar/remote/drop_data.h>

#include <memory>

#include "compaction_output.h"
#include "context.h"
#include "output.h"
#include "parse.h"
#include "remote_flags.h"

namespace hangar::cli {
namespace {

struct DropDataArgs {
  std::string remote;
  std::vector<std::string> columns;
  std::vector<std::string> keys;
  std::optional<std::string> ref;
  bool all_history = false;
  std::optional<std::string> keep_bytes;
  bool dry_run = false;
  double threshold = kDefaultCompactThreshold;
  RemoteFlags flags;
};

Json result_json(const remote::DropDataResult& r) {
  Json doc{{"remote", r.remote},
           {"commit", r.commit ? Json(r.commit->hex()) : Json(nullptr)},
           {"dry_run", r.dry_run},
           {"samples_selected", r.samples_selected},
           {"samples_kept", r.samples_kept},
           {"samples_dropped", r.samples_dropped},
           {"samples_also_dropped", r.samples_also_dropped},
           {"chunks_dropped", r.chunks_dropped},
           {"chunks_staged", r.chunks_staged},
           {"stored_bytes", r.stored_bytes},
           {"disk_bytes_before", r.space.disk_bytes_before},
           {"disk_bytes_after", r.space.disk_bytes_after},
           {"disk_bytes_freed", r.space.freed()},
           {"compacted", r.space.compacted},
           {"pending_bytes", r.space.pending_bytes}};
  add_compaction_json(doc, r.space.compaction);
  return doc;
}

void run_drop_data(Context& ctx, const DropDataArgs& a) {
  remote::DropDataOptions o;
  o.remote = a.remote;
  o.ref = a.ref;
  o.all_history = a.all_history;
  o.columns = a.columns;
  if (!a.keys.empty()) o.keys = parse_keys(split_key_list(a.keys), "--keys");
  if (a.keep_bytes) o.keep_bytes = parse_size(*a.keep_bytes);
  o.dry_run = a.dry_run;
  o.threshold = a.threshold;
  o.transport = a.flags.transport();
  Repository repo = ctx.open(Repository::Mode::Write);
  const remote::DropDataResult r = remote::drop_data(repo, o);
  if (ctx.json) {
    print_json(ctx.out, result_json(r));
    return;
  }
  const char* verb = r.dry_run ? "would drop " : "dropped ";
  ctx.out << verb << plural(r.samples_dropped, "sample") << " ("
          << plural(r.chunks_dropped, "chunk") << ", " << human_bytes(r.stored_bytes)
          << " stored) held by " << r.remote;
  if (!r.dry_run) ctx.out << "; freed " << human_bytes(r.space.freed()) << " on disk";
  ctx.out << '\n';
  print_compaction(ctx.out, r.space.compaction, r.dry_run);
  if (r.samples_kept > 0)
    ctx.out << "kept " << plural(r.samples_kept, "sample") << " (--keep-bytes)\n";
  if (r.samples_also_dropped > 0)
    ctx.out << "note: " << plural(r.samples_also_dropped, "other sample")
            << (r.samples_also_dropped == 1 ? " shares" : " share") << " dropped chunks and "
            << (r.samples_also_dropped == 1 ? "is" : "are") << " no longer fully local either\n";
  if (r.chunks_staged > 0)
    ctx.out << "kept " << plural(r.chunks_staged, "chunk")
            << " used by staged (uncommitted) samples\n";
  if (r.space.pending_bytes > 0)
    ctx.out << human_bytes(r.space.pending_bytes)
            << " stay allocated in the chunk files because another hangar process has the "
               "repository open; a later drop-data or gc returns them\n";
  if (r.chunks_dropped > 0 && !r.dry_run)
    ctx.out << "bring them back with 'hangar fetch-data " << r.remote << "'\n";
}

}  // namespace

void register_drop_data_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<DropDataArgs>();
  CLI::App* cmd = app.add_subcommand(
      "drop-data", "free the disk space of sample data a remote holds (fetch-data brings it back)");
  cmd->add_option("REMOTE", a->remote, "remote name (default: the one cloned from)");
  cmd->add_option("--columns", a->columns, "only these columns (A,B)")->delimiter(',');
  cmd->add_option("--keys", a->keys, "only these sample keys (A,B; '\\,' is a comma in a key)");
  auto* ref = cmd->add_option("--ref", a->ref, revision_help("HEAD"));
  cmd->add_flag("--all-history", a->all_history, "samples of every commit of every local branch")
      ->excludes(ref);
  cmd->add_option("--keep-bytes", a->keep_bytes,
                  "per column, keep the first samples in key order up to N bytes (200M, 1.5G)");
  cmd->add_flag("--dry-run", a->dry_run, "check and report, drop nothing");
  add_threshold_option(*cmd, a->threshold);
  add_remote_flags(*cmd, a->flags);
  add_json_flag(*cmd, ctx);
  cmd->footer(
      "Drops only chunks that a commit of refs/remotes/REMOTE/* references and that the remote "
      "confirms it holds; data that exists only here is refused (push it first). Exit codes: 0 "
      "done; 2 bad arguments; 3 error (nothing dropped): unknown remote/ref/column, data not "
      "on the remote, remote unreachable.");
  on_run(*cmd, ctx, [&ctx, a] { run_drop_data(ctx, *a); });
}

}  // namespace hangar::cli
