// hangar column create NAME ... | list | info NAME | delete NAME
#include <hangar/repository.h>

#include "context.h"
#include "output.h"
#include "parse.h"

namespace hangar::cli {
namespace {

struct CreateArgs {
  std::string name;
  std::string dtype;
  std::string shape;
  bool variable_shape = false;
  bool nested = false;
  std::string backend = "auto";
  int level = 3;
};

void run_create(Context& ctx, const CreateArgs& args) {
  ColumnSchema schema;
  schema.name = args.name;
  schema.dtype = parse_dtype_arg(args.dtype);
  schema.shape = parse_shape(args.shape);
  schema.variable_shape = args.variable_shape;
  schema.layout = args.nested ? Layout::Nested : Layout::Flat;
  schema.backend = parse_backend_arg(args.backend);
  schema.compression_level = args.level;
  validate_schema(schema);
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.create_column(schema);
  if (ctx.json) {
    print_json(ctx.out, report::schema_json(schema));
  } else {
    ctx.out << "created column " << schema.name << ": " << dtype_name(schema.dtype) << ' '
            << shape_text(schema) << ' ' << layout_name(schema.layout) << " (staged)\n";
  }
}

void run_list(Context& ctx, const std::optional<std::string>& ref) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const Checkout view = view_at(repo, ref);
  const auto names = view.column_names();
  if (ctx.json) {
    Json doc = Json::array();
    for (const auto& name : names) doc.push_back(report::column_json(view, name));
    print_json(ctx.out, doc);
    return;
  }
  Table table;
  for (const auto& name : names) {
    const ColumnSchema& s = view.schema(name);
    table.add({name, std::string(dtype_name(s.dtype)), shape_text(s),
               std::string(layout_name(s.layout)), plural(view.count(name), "sample"),
               human_bytes(view.nbytes(name))});
  }
  table.print(ctx.out);
}

void run_info(Context& ctx, const std::string& name, const std::optional<std::string>& ref) {
  const Repository repo = ctx.open(Repository::Mode::Read);
  const Checkout view = view_at(repo, ref);
  if (ctx.json) {
    print_json(ctx.out, report::column_json(view, name));
    return;
  }
  const ColumnSchema& s = view.schema(name);
  Table table;
  table.add({"name:", s.name});
  table.add({"dtype:", std::string(dtype_name(s.dtype))});
  table.add({"shape:", shape_to_string(s.shape)});
  table.add({"variable_shape:", s.variable_shape ? "yes" : "no"});
  table.add({"layout:", std::string(layout_name(s.layout))});
  table.add({"backend:", std::string(backend_name(s.backend))});
  table.add({"compression:", "zstd level " + std::to_string(s.compression_level)});
  table.add({"count:", std::to_string(view.count(name))});
  table.add(
      {"nbytes:", std::to_string(view.nbytes(name)) + " (" + human_bytes(view.nbytes(name)) + ")"});
  for (const auto& [k, v] : s.attributes) {
    std::string one_line = v;  // class names are one a line (labels.h)
    for (char& c : one_line) {
      if (c == '\n') c = ',';
    }
    table.add({"attribute " + k + ":", one_line});
  }
  table.print(ctx.out);
}

void run_delete(Context& ctx, const std::string& name) {
  Repository repo = ctx.open(Repository::Mode::Write);
  repo.delete_column(name);
  if (ctx.json) {
    print_json(ctx.out, Json{{"column", name}, {"deleted", true}});
  } else {
    ctx.out << "deleted column " << name << " (staged)\n";
  }
}

}  // namespace

void register_column_commands(CLI::App& app, Context& ctx) {
  CLI::App* column = app.add_subcommand("column", "create, list, inspect and delete columns");
  column->require_subcommand(1);

  auto c = std::make_shared<CreateArgs>();
  CLI::App* create = column->add_subcommand("create", "stage a new column");
  create->add_option("NAME", c->name, "column name ([A-Za-z0-9_.-]{1,64})")->required();
  create->add_option("--dtype", c->dtype, "element type: uint8, float32, ...")->required();
  create->add_option("--shape", c->shape, "sample shape, e.g. 64,64,3 ('scalar' for [])")
      ->required();
  create->add_flag("--variable-shape", c->variable_shape, "shape is the maximum per dimension");
  create->add_flag("--nested", c->nested, "key -> subkey -> tensor layout");
  create->add_option("--backend", c->backend, "auto, lmdb or hdf5")->capture_default_str();
  create->add_option("--level", c->level, "zstd compression level")
      ->capture_default_str()
      ->check(CLI::Range(1, 19));
  add_json_flag(*create, ctx);
  on_run(*create, ctx, [&ctx, c] { run_create(ctx, *c); });

  auto list_ref = std::make_shared<std::optional<std::string>>();
  CLI::App* list = column->add_subcommand("list", "columns with counts (default: staged)");
  list->add_option("--ref", *list_ref, revision_help("staged"));
  add_json_flag(*list, ctx);
  on_run(*list, ctx, [&ctx, list_ref] { run_list(ctx, *list_ref); });

  auto info_name = std::make_shared<std::string>();
  auto info_ref = std::make_shared<std::optional<std::string>>();
  CLI::App* info = column->add_subcommand("info", "one column's schema and size");
  info->add_option("NAME", *info_name, "column name")->required();
  info->add_option("--ref", *info_ref, revision_help("staged"));
  add_json_flag(*info, ctx);
  on_run(*info, ctx, [&ctx, info_name, info_ref] { run_info(ctx, *info_name, *info_ref); });

  auto delete_name = std::make_shared<std::string>();
  CLI::App* del = column->add_subcommand("delete", "stage the removal of a column");
  del->add_option("NAME", *delete_name, "column name")->required();
  add_json_flag(*del, ctx);
  on_run(*del, ctx, [&ctx, delete_name] { run_delete(ctx, *delete_name); });
}

}  // namespace hangar::cli
