// Merge results and their conflicts.
#include <hangar/report/json.h>

namespace hangar::report {
namespace {

Json conflicts_json(const std::vector<Conflict>& conflicts) {
  Json out = Json::array();
  for (const auto& c : conflicts) {
    Json e{{"column", c.column},
           {"key", c.key ? key_json(*c.key) : Json(nullptr)},
           {"kind", std::string(conflict_kind_name(c.kind))}};
    if (c.subkey) e["subkey"] = key_json(*c.subkey);
    if (c.region) e["region"] = Json{{"origin", c.region->origin}, {"extent", c.region->extent}};
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Json merge_json(const MergeResult& result) {
  return Json{{"result", std::string(merge_kind_name(result.kind))},
              {"commit", digest_json(result.commit)},
              {"conflicts", conflicts_json(result.conflicts)},
              {"resolved", conflicts_json(result.resolved)}};
}

}  // namespace hangar::report
