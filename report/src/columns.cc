// Column schemas, sizes and the summary document.
#include <hangar/dtype.h>
#include <hangar/report/json.h>

#include <sstream>

namespace hangar::report {

namespace {

// A label column's "classes" attribute (one name a line, labels.h) as an array of names.
Json lines_json(const std::string& text) {
  Json out = Json::array();
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

Json schema_json(const ColumnSchema& schema) {
  Json attributes = Json::object();
  for (const auto& [k, v] : schema.attributes)
    attributes[k] = k == "classes" ? lines_json(v) : Json(v);
  return Json{{"name", schema.name},
              {"dtype", std::string(dtype_name(schema.dtype))},
              {"shape", schema.shape},
              {"variable_shape", schema.variable_shape},
              {"layout", std::string(layout_name(schema.layout))},
              {"backend", std::string(backend_name(schema.backend))},
              {"compression_level", schema.compression_level},
              {"attributes", attributes}};
}

Json column_summary_json(const ColumnSchema& schema, const ColumnStats& stats) {
  return Json{{"name", schema.name},
              {"dtype", std::string(dtype_name(schema.dtype))},
              {"shape", schema.shape},
              {"variable_shape", schema.variable_shape},
              {"layout", std::string(layout_name(schema.layout))},
              {"count", stats.count},
              {"nbytes", stats.nbytes},
              {"local_count", stats.local_count},
              {"local_nbytes", stats.local_nbytes}};
}

Json column_json(const Checkout& view, const std::string& name) {
  Json j = schema_json(view.schema(name));
  j["count"] = view.count(name);
  j["nbytes"] = view.nbytes(name);
  return j;
}

Json summary_json(const Checkout& view) {
  Json columns = Json::array();
  for (const auto& name : view.column_names())
    columns.push_back(column_summary_json(view.schema(name), view.stats(name)));
  return Json{{"commit", digest_json(view.commit())}, {"columns", columns}};
}

Json class_summary_json(const Checkout& view, const ClassSummary& summary) {
  auto counts = [](const ClassCount& c) {
    return Json{{"count", c.count},
                {"local_count", c.local_count},
                {"nbytes", c.nbytes},
                {"local_nbytes", c.local_nbytes}};
  };
  Json classes = Json::array();
  for (const auto& c : summary.classes)
    classes.push_back(Json{{"class", c.label.name},
                           {"value", c.label.value},
                           {"count", c.count},
                           {"local_count", c.local_count},
                           {"nbytes", c.nbytes},
                           {"local_nbytes", c.local_nbytes}});
  return Json{{"commit", digest_json(view.commit())},
              {"by", summary.column},
              {"classes", classes},
              {"unknown", counts(summary.unknown)},
              {"unlabelled",
               Json{{"count", summary.unlabelled}, {"local_count", summary.unlabelled_local}}}};
}

}  // namespace hangar::report
