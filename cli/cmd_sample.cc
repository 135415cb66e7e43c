// hangar put COLUMN KEY FILE | get COLUMN KEY [-o FILE] | rm COLUMN KEY...
#include <hangar/io.h>
#include <hangar/repository.h>

#include "context.h"
#include "output.h"
#include "parse.h"
#include "sample_region.h"
#include "tensor_text.h"

namespace hangar::cli {
namespace {

struct SampleArgs {
  std::string column;
  std::string key;
  std::optional<std::string> subkey;
  std::string file;                   // put: input; get: -o output (empty: describe)
  std::optional<std::string> ref;     // get
  std::vector<std::string> keys;      // rm
  std::optional<std::string> region;  // put --region ORIGIN: FILE patches part of the sample
  std::optional<std::string> slice;   // get --slice SPEC: read part of the sample
};

Json sample_json(const SampleArgs& args, const Key& key, const std::optional<Key>& subkey,
                 DType dtype, const Shape& shape, std::uint64_t nbytes) {
  Json j{{"column", args.column}, {"key", report::key_json(key)}};
  if (subkey) j["subkey"] = report::key_json(*subkey);
  j["dtype"] = std::string(dtype_name(dtype));
  j["shape"] = shape;
  j["nbytes"] = nbytes;
  return j;
}

void run_put(Context& ctx, const SampleArgs& args) {
  parse_key(args.key);  // a bad key is reported before the file is read
  const std::optional<Key> subkey = parse_subkey(args.subkey);
  const std::filesystem::path root = ctx.find_root();  // "not a repository" before file errors
  const std::optional<Shape> origin =
      args.region ? std::optional(parse_region_arg(*args.region)) : std::nullopt;
  const Tensor tensor = read_tensor_file(args.file);
  Repository repo = Repository::open(root, Repository::Mode::Write);
  const Key key = repo.staged_view().key_from_text(args.column, args.key);
  if (origin)
    repo.put_region(args.column, key, subkey, *origin, tensor.view());
  else
    repo.put(args.column, key, subkey, tensor.view());
  if (ctx.json) {
    Json j = sample_json(args, key, subkey, tensor.dtype(), tensor.shape(), tensor.nbytes());
    j["file"] = args.file;
    if (origin) j["region"] = *origin;
    print_json(ctx.out, j);
  } else if (origin) {
    ctx.out << "staged region " << shape_to_string(tensor.shape()) << " at "
            << shape_to_string(*origin) << " of " << sample_name(args.column, key, subkey) << " ("
            << human_bytes(tensor.nbytes()) << ")\n";
  } else {
    ctx.out << "staged " << sample_name(args.column, key, subkey) << ": "
            << dtype_name(tensor.dtype()) << ' ' << shape_to_string(tensor.shape()) << " ("
            << human_bytes(tensor.nbytes()) << ")\n";
  }
}

void run_get(Context& ctx, const SampleArgs& args) {
  parse_key(args.key);
  const std::optional<Key> subkey = parse_subkey(args.subkey);
  const std::optional<Slice> slice =
      args.slice ? std::optional(parse_slice_arg(*args.slice)) : std::nullopt;
  const Repository repo = ctx.open(Repository::Mode::Read);
  const Checkout view = view_at(repo, args.ref);
  const Key key = view.key_from_text(args.column, args.key);
  const Tensor tensor =
      slice ? view.get_slice(args.column, key, subkey, *slice) : view.get(args.column, key, subkey);
  if (!args.file.empty()) write_tensor_file(args.file, tensor.view());
  if (ctx.json) {
    Json j = sample_json(args, key, subkey, tensor.dtype(), tensor.shape(), tensor.nbytes());
    if (slice) j["slice"] = slice->to_string();
    if (!args.file.empty()) {
      j["file"] = args.file;
    } else if (tensor.element_count() <= kMaxPrintedElements) {
      j["values"] = tensor_values_json(tensor);
    }
    print_json(ctx.out, j);
  } else if (!args.file.empty()) {
    ctx.out << "wrote " << args.file << ": " << dtype_name(tensor.dtype()) << ' '
            << shape_to_string(tensor.shape()) << " (" << human_bytes(tensor.nbytes()) << ")\n";
  } else {
    ctx.out << describe_tensor(tensor);
  }
}

void run_rm(Context& ctx, const SampleArgs& args) {
  parse_keys(args.keys, "'hangar rm'");
  const std::optional<Key> subkey = parse_subkey(args.subkey);
  Repository repo = ctx.open(Repository::Mode::Write);
  std::vector<Key> keys;
  {
    const Checkout view = repo.staged_view();
    for (const auto& text : args.keys) keys.push_back(view.key_from_text(args.column, text));
  }
  std::vector<std::pair<Key, std::optional<Key>>> targets;
  targets.reserve(keys.size());
  for (const auto& k : keys) targets.emplace_back(k, subkey);
  repo.remove(args.column, targets);
  if (ctx.json) {
    Json removed = Json::array();
    for (const auto& k : keys) removed.push_back(report::key_json(k));
    Json j{{"column", args.column}, {"removed", removed}};
    if (subkey) j["subkey"] = report::key_json(*subkey);
    print_json(ctx.out, j);
    return;
  }
  for (const auto& k : keys) ctx.out << "removed " << sample_name(args.column, k, subkey) << '\n';
}

}  // namespace

void register_sample_commands(CLI::App& app, Context& ctx) {
  auto put_args = std::make_shared<SampleArgs>();
  CLI::App* put = app.add_subcommand("put", "stage one sample from a .npy, .png or .jpg file");
  put->add_option("COLUMN", put_args->column, "column name")->required();
  put->add_option("KEY", put_args->key, "sample key (an integer or a path-like string)")
      ->required();
  put->add_option("FILE", put_args->file, "input file (.npy, .png, .jpg, .jpeg)")->required();
  put->add_option("--subkey", put_args->subkey, "subkey for a nested column");
  put->add_option(
      "--region", put_args->region,
      "FILE replaces the part of the existing sample starting at ORIGIN (e.g. 0,128,0)");
  add_json_flag(*put, ctx);
  on_run(*put, ctx, [&ctx, put_args] { run_put(ctx, *put_args); });

  auto get_args = std::make_shared<SampleArgs>();
  CLI::App* get = app.add_subcommand("get", "print a sample, or write it to a file with -o");
  get->add_option("COLUMN", get_args->column, "column name")->required();
  get->add_option("KEY", get_args->key, "sample key")->required();
  get->add_option("-o,--output", get_args->file, "write to FILE (.npy or .png)");
  get->add_option("--ref", get_args->ref, revision_help("staged"));
  get->add_option("--subkey", get_args->subkey, "subkey for a nested column");
  get->add_option("--slice", get_args->slice, "read only part of the sample (numpy: 0:10,:,5)");
  add_json_flag(*get, ctx);
  on_run(*get, ctx, [&ctx, get_args] { run_get(ctx, *get_args); });

  auto rm_args = std::make_shared<SampleArgs>();
  CLI::App* rm = app.add_subcommand("rm", "stage the removal of samples");
  rm->add_option("COLUMN", rm_args->column, "column name")->required();
  rm->add_option("KEYS", rm_args->keys, "sample keys")->required();
  rm->add_option("--subkey", rm_args->subkey, "subkey for a nested column");
  add_json_flag(*rm, ctx);
  on_run(*rm, ctx, [&ctx, rm_args] { run_rm(ctx, *rm_args); });
}

}  // namespace hangar::cli
