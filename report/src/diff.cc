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

// --stat: per mutated sample, {key, subkey (nested only), changed, max_abs_diff}, the last two
// null when the tensors were not comparable.
Json stats_json(const std::vector<MutatedSample>& mutated) {
  Json out = Json::array();
  for (const auto& m : mutated) {
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
    Json column{{"counts", counts_json(c.counts)}};
    if (detail != DiffDetail::Counts) {
      Json mutated = Json::array();
      for (const auto& m : c.mutated) mutated.push_back(sample_json(m.sample));
      column["added"] = keys_json(c.added);
      column["deleted"] = keys_json(c.deleted);
      column["mutated"] = std::move(mutated);
    }
    if (detail == DiffDetail::Stats) column["stats"] = stats_json(c.mutated);
    columns[name] = std::move(column);
  }
  return Json{{"from", side_json(diff.from)},
              {"to", side_json(diff.to)},
              {"columns", columns},
              {"schema", schema_diff_json(diff.schema)}};
}

}  // namespace hangar::report
