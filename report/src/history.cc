// Repository state and history: status, branch lists, log and show.
#include <hangar/report/json.h>

namespace hangar::report {
namespace {

// The fields a log entry and 'show' share, in their order.
Json commit_json(const Digest& digest, const Commit& commit) {
  Json parents = Json::array();
  for (const auto& p : commit.parents) parents.push_back(p.hex());
  return Json{{"digest", digest.hex()},           {"parents", parents},
              {"author", commit.author},          {"email", commit.email},
              {"time", iso8601_utc(commit.time)}, {"message", commit.message}};
}

void append_branches(Json& out, const std::vector<BranchInfo>& branches, bool remote) {
  for (const BranchInfo& b : branches) {
    out.push_back(Json{
        {"name", b.name}, {"commit", b.commit.hex()}, {"current", b.current}, {"remote", remote}});
  }
}

}  // namespace

Json status_json(const StatusReport& status) {
  Json staged = Json::object();
  for (const auto& [column, c] : status.staged)
    staged[column] = Json{{"added", c.added}, {"deleted", c.deleted}, {"mutated", c.mutated}};
  Json doc{{"branch", status.detached ? Json() : Json(status.branch)},
           {"head", digest_json(status.head)},
           {"staged", staged},
           {"columns_added", status.columns_added},
           {"columns_deleted", status.columns_deleted},
           {"columns_changed", status.columns_changed}};
  if (status.detached) doc["detached"] = true;  // the key only on a detached HEAD
  return doc;
}

Json log_json(const std::vector<LogEntry>& entries) {
  Json doc = Json::array();
  for (const auto& e : entries) doc.push_back(commit_json(e.digest, e.commit));
  return doc;
}

Json show_json(const ShowResult& show) {
  Json doc = commit_json(show.digest, show.commit);
  Json changes = diff_json(show.changes, DiffDetail::Counts);
  doc["columns"] = Json::object();
  for (auto& [name, column] : changes["columns"].items()) doc["columns"][name] = column["counts"];
  doc["schema"] = std::move(changes["schema"]);
  return doc;
}

Json branches_json(const std::vector<BranchInfo>& local,
                   const std::vector<BranchInfo>& remote_tracking) {
  Json doc = Json::array();
  append_branches(doc, local, false);
  append_branches(doc, remote_tracking, true);
  return doc;
}

}  // namespace hangar::report
