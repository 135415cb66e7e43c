// Diffs between two states of a repository, at each DiffDetail.
#include <hangar/report/json.h>

namespace hangar::report {
namespace {

Json side_json(const DiffSide& side) {
  switch (side.kind) {
    case DiffSide::Kind::Commit:
      return side.commit.hex();
    case DiffSide::Kind::Staged:
      return "staged";
    case DiffSide::Kind::Empty:
      break;
  }
  return nullptr;
}

// A key as JSON: a number or string; [key, subkey] in nested columns.
Json sample_json(const SampleKey& s) {
  if (!s.subkey) return key_json(s.key);
  return Json::array({key_json(s.key), key_json(*s.subkey)});
}

Json keys_json(const std::vector<SampleKey>& keys) {
  Json out = Json::array();
  for (const auto& k : keys) out.push_back(sample_json(k));
  return out;
}

Json mutated_json(const std::vector<MutatedSample>& mutated, DiffDetail detail) {
  Json out = Json::array();
  for (const auto& m : mutated) {
    if (detail != DiffDetail::Stats) {
      out.push_back(sample_json(m.sample));
      continue;
    }
    Json e{{"key", key_json(m.sample.key)}};
    if (m.sample.subkey) e["subkey"] = key_json(*m.sample.subkey);
    e["changed"] = m.stats ? Json(m.stats->changed) : Json(nullptr);
    e["max_abs_diff"] = m.stats ? Json(m.stats->max_abs_diff) : Json(nullptr);
    out.push_back(std::move(e));
  }
  return out;
}

Json counts_json(const DiffCounts& c) {
  return Json{{"added", c.added}, {"deleted", c.deleted}, {"mutated", c.mutated}};
}

Json schema_diff_json(const SchemaDiff& s) {
  return Json{{"added", s.added}, {"deleted", s.deleted}, {"mutated", s.mutated}};
}

}  // namespace

Json diff_json(const DiffResult& diff, DiffDetail detail) {
  Json columns = Json::object();
  for (const auto& [name, c] : diff.columns) {
    if (detail == DiffDetail::Counts) {
      columns[name] = counts_json(c.counts);
    } else {
      columns[name] = Json{{"added", keys_json(c.added)},
                           {"deleted", keys_json(c.deleted)},
                           {"mutated", mutated_json(c.mutated, detail)}};
    }
  }
  return Json{{"from", side_json(diff.from)},
              {"to", side_json(diff.to)},
              {"columns", columns},
              {"schema", schema_diff_json(diff.schema)}};
}

}  // namespace hangar::report
