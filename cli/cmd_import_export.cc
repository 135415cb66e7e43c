// hangar import COLUMN PATH ... | export COLUMN DIR ...
#include <hangar/io.h>
#include <hangar/repository.h>

#include <algorithm>
#include <thread>

#include "context.h"
#include "output.h"
#include "parse.h"
#include "progress.h"

namespace hangar::cli {
namespace {

struct ImportArgs {
  std::string column;
  std::string path;
  bool recursive = false;
  std::optional<std::string> labels;
  bool add_classes = false;
  unsigned jobs = 0;             // 0: one per core
  std::string max_sample_bytes;  // SIZE; empty: kDefaultMaxSampleBytes
};

struct ExportArgs {
  std::string column;
  std::string dir;
  std::optional<std::string> ref;
  std::string format = "auto";
  std::vector<std::string> keys;
  bool require_all = false;
  unsigned jobs = 0;  // 0: one per core
};

void run_import(Context& ctx, const ImportArgs& args) {
  Repository repo = ctx.open(Repository::Mode::Write);
  Progress progress("import", shows_progress(ctx.is_tty, ctx.json), ctx.err);
  ImportOptions options;
  options.column = args.column;
  options.path = args.path;
  options.recursive = args.recursive;
  options.labels_column = args.labels;
  options.add_classes = args.add_classes;
  options.jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  options.progress = progress.callback();
  if (!args.max_sample_bytes.empty()) options.max_sample_bytes = parse_size(args.max_sample_bytes);
  // One warning line per skipped entry, as it is found (rsync's "skipping non-regular file").
  options.on_skip = [&ctx](const SkippedEntry& e) {
    ctx.err << "hangar: warning: skipped '" << e.path.string() << "': " << e.reason << '\n';
  };
  const ImportResult r = import_files(repo, options);
  progress.finish();
  if (ctx.json) {
    print_json(ctx.out, Json{{"column", args.column},
                             {"files", r.files},
                             {"raw_bytes", r.raw_bytes},
                             {"new_chunks", r.new_chunks},
                             {"classes", r.classes},
                             {"skipped", r.skipped},
                             {"ignored", r.ignored},
                             {"ignored_examples", r.ignored_examples}});
    return;
  }
  ctx.out << "staged " << plural(r.files, "file") << " into " << args.column << " ("
          << human_bytes(r.raw_bytes) << " decoded, " << plural(r.new_chunks, "new chunk") << ")\n";
  if (r.skipped > 0)
    ctx.out << "skipped " << plural(r.skipped, "entry", "entries")
            << (r.skipped == 1 ? " that is" : " that are")
            << " not a regular file or folder (see the warnings)\n";
  if (r.ignored > 0) {
    ctx.out << "ignored " << plural(r.ignored, "file")
            << " without a .png, .jpg, .jpeg or .npy extension: ";
    for (std::size_t i = 0; i < r.ignored_examples.size(); ++i)
      ctx.out << (i > 0 ? ", '" : "'") << r.ignored_examples[i] << '\'';
    if (r.ignored > r.ignored_examples.size())
      ctx.out << " and " << (r.ignored - r.ignored_examples.size()) << " more";
    ctx.out << '\n';
  }
  if (args.labels) {
    ctx.out << "labels in " << *args.labels << ": " << plural(r.classes.size(), "class", "classes");
    for (std::size_t i = 0; i < r.classes.size(); ++i) {
      ctx.out << (i == 0 ? " (" : ", ") << i << '=' << r.classes[i];
    }
    ctx.out << (r.classes.empty() ? "\n" : ")\n");
    if (!r.added_classes.empty())
      ctx.out << "added " << plural(r.added_classes.size(), "class", "classes") << " to "
              << *args.labels << " (staged; commit records it, reset drops it)\n";
  }
}

void run_export(Context& ctx, const ExportArgs& args) {
  ExportOptions options;
  options.column = args.column;
  options.dir = args.dir;
  options.format = parse_format_arg(args.format);
  const std::vector<std::string> keys = split_key_list(args.keys);
  if (!keys.empty()) parse_keys(keys, "--keys");
  options.require_all = args.require_all;
  options.jobs = args.jobs;
  const Repository repo = ctx.open(Repository::Mode::Read);
  if (args.ref) options.commit = repo.resolve(*args.ref);
  if (!keys.empty()) {
    const Checkout view = options.commit ? repo.checkout_at(*options.commit) : repo.staged_view();
    for (const auto& text : keys) options.keys.push_back(view.key_from_text(args.column, text));
  }
  Progress progress("export", shows_progress(ctx.is_tty, ctx.json), ctx.err);
  options.progress = progress.callback();
  const ExportResult r = export_column(repo, options);
  progress.finish();
  if (ctx.json) {
    print_json(ctx.out, Json{{"written", r.written},
                             {"skipped_not_local", r.skipped_not_local},
                             {"bytes", r.bytes},
                             {"file_bytes", r.file_bytes}});
    return;
  }
  ctx.out << "wrote " << plural(r.written, "file") << " (" << human_bytes(r.file_bytes) << ", "
          << human_bytes(r.bytes) << " decoded) to " << args.dir << '\n';
  if (r.skipped_not_local > 0) {
    ctx.out << "skipped " << plural(r.skipped_not_local, "sample")
            << " whose data is not local; fetch them with 'hangar fetch-data'\n";
  }
}

}  // namespace

void register_import_export_commands(CLI::App& app, Context& ctx) {
  auto in = std::make_shared<ImportArgs>();
  CLI::App* import =
      app.add_subcommand("import", "stage a folder of .png/.jpg/.npy files into a column");
  import->add_option("COLUMN", in->column, "column (created from the first file if missing)")
      ->required();
  import->add_option("PATH", in->path, "folder or file to import")->required();
  import->add_flag("-r,--recursive", in->recursive, "walk sub-folders");
  CLI::Option* labels =
      import->add_option("--labels", in->labels,
                         "also stage class ids (first sub-folder name) into this int64 column");
  import
      ->add_flag("--add-classes", in->add_classes,
                 "let an existing --labels column gain the class folders it lacks (new ids "
                 "after the old ones)")
      ->needs(labels);
  import->add_option("-j,--jobs", in->jobs, "decoder threads (default: one per core)")
      ->check(CLI::Range(1u, 1024u));
  import->add_option("--max-sample-bytes", in->max_sample_bytes,
                     "refuse a file that declares more decoded bytes than SIZE (default 1G)");
  add_json_flag(*import, ctx);
  on_run_interruptible(*import, ctx, [&ctx, in] { run_import(ctx, *in); });

  auto ex = std::make_shared<ExportArgs>();
  CLI::App* exp = app.add_subcommand("export", "write a column's samples to files");
  exp->add_option("COLUMN", ex->column, "column name")->required();
  exp->add_option("DIR", ex->dir, "output folder (created if missing)")->required();
  exp->add_option("--ref", ex->ref, revision_help("staged"));
  exp->add_option("--format", ex->format, "png or npy (default: png for images, else npy)");
  exp->add_option("--keys", ex->keys, "export only these keys (A,B; '\\,' is a comma in a key)");
  exp->add_flag("--require-all", ex->require_all, "fail if a sample is not local");
  exp->add_option("-j,--jobs", ex->jobs, "encoder threads (default: one per core)")
      ->check(CLI::Range(1u, 1024u));
  add_json_flag(*exp, ctx);
  on_run_interruptible(*exp, ctx, [&ctx, ex] { run_export(ctx, *ex); });
}

}  // namespace hangar::cli
