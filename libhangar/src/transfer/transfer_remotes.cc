// remote_config.h: the remote configuration (remote.NAME.url, remote.NAME.insecure,
// clone.remote in .hangar/config) and remote-tracking refs (refs/remotes/NAME/BRANCH).
#include <hangar/error.h>
#include <hangar/transfer.h>

#include "repo/repo_access.h"
#include "transfer/transfer_detail.h"

namespace hangar {
namespace {

constexpr std::string_view kUrlPrefix = "remote.";
constexpr std::string_view kUrlSuffix = ".url";
constexpr const char* kCloneRemote = "clone.remote";
constexpr const char* kCloneIncomplete = "clone.incomplete";
constexpr const char* kCloneSelection = "clone.selection";

constexpr std::string_view kInsecureSuffix = ".insecure";

std::string url_key(std::string_view name) {
  return std::string(kUrlPrefix) + std::string(name) + std::string(kUrlSuffix);
}

std::string insecure_key(std::string_view name) {
  return std::string(kUrlPrefix) + std::string(name) + std::string(kInsecureSuffix);
}

std::vector<transfer::RemoteInfo> remotes_of(const detail::RepoState& s) {
  std::vector<transfer::RemoteInfo> out;
  for (const auto& [k, v] : s.config.values) {
    if (k.size() <= kUrlPrefix.size() + kUrlSuffix.size() || k.rfind(kUrlPrefix, 0) != 0 ||
        k.compare(k.size() - kUrlSuffix.size(), kUrlSuffix.size(), kUrlSuffix) != 0)
      continue;
    std::string name =
        k.substr(kUrlPrefix.size(), k.size() - kUrlPrefix.size() - kUrlSuffix.size());
    const bool insecure = s.config.get(insecure_key(name)) == "true";
    out.push_back({std::move(name), v, insecure});
  }
  return out;  // std::map order: sorted by name
}

}  // namespace

namespace detail {

std::string hint_remote(const RepoState& state) {
  const auto all = remotes_of(state);
  std::string cloned = state.config.get(kCloneRemote);
  for (const auto& r : all)
    if (r.name == cloned) return cloned;
  if (all.size() == 1) return all.front().name;
  return "origin";
}

}  // namespace detail

namespace transfer {

void validate_remote_name(std::string_view name) {
  auto bad = [&](std::string_view why) {
    fail(ErrorCode::InvalidArgument,
         "invalid remote name '" + std::string(name) + "': " + std::string(why));
  };
  if (name.empty() || name.size() > 64) bad("it must be 1 to 64 characters");
  if (name.front() == '.' || name.front() == '-') bad("it must not start with '.' or '-'");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) bad("use only letters, digits, '_', '.' and '-'");
  }
  if (name.find("..") != name.npos) bad("it must not contain '..'");
}

std::vector<RemoteInfo> remotes(const Repository& repo) {
  return remotes_of(detail::state_of(repo));
}

std::optional<std::string> find_remote_url(const Repository& repo, std::string_view name) {
  const auto& values = detail::state_of(repo).config.values;
  auto it = values.find(url_key(name));
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> current_remote_url(const std::filesystem::path& root,
                                              std::string_view name) {
  const RepoConfig now = RepoConfig::load(root / ".hangar" / "config");
  auto it = now.values.find(url_key(name));
  if (it == now.values.end()) return std::nullopt;
  return it->second;
}

void add_remote(Repository& repo, std::string_view name, std::string_view url) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  validate_remote_name(name);
  if (url.empty())
    fail(ErrorCode::InvalidArgument, "remote '" + std::string(name) + "' needs a URL");
  for (char c : url)
    if (static_cast<unsigned char>(c) < 0x20)
      fail(ErrorCode::InvalidArgument,
           "remote URL for '" + std::string(name) + "' contains a control character");
  if (find_remote_url(repo, name))
    fail(ErrorCode::AlreadyExists, "remote '" + std::string(name) + "' already exists",
         Hint{.action = HintAction::RemoveRemote, .remote = std::string(name)});
  s.config.values[url_key(name)] = std::string(url);
  s.config.save(s.dot / "config");
}

namespace {
void require_remote(const Repository& repo, std::string_view name) {
  if (find_remote_url(repo, name)) return;
  std::string known;
  for (const auto& r : remotes(repo)) known += (known.empty() ? "" : ", ") + r.name;
  fail(ErrorCode::NotFound,
       "no remote '" + std::string(name) + "'" +
           (known.empty() ? "; none is configured" : "; known remotes: " + known));
}
}  // namespace

void set_remote_url(Repository& repo, std::string_view name, std::string_view url) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  require_remote(repo, name);
  if (url.empty()) fail(ErrorCode::InvalidArgument, "remote URL must not be empty");
  s.config.values[url_key(name)] = std::string(url);
  s.config.save(s.dot / "config");
}

void remove_remote(Repository& repo, std::string_view name) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  require_remote(repo, name);
  const std::string prefix = std::string(kRemotesPrefix) + std::string(name) + "/";
  s.meta.write([&](lmdb::WriteTxn& txn) {
    for (const auto& [ref, d] : s.refs.list(txn, prefix)) s.refs.remove(txn, ref);
  });
  s.config.values.erase(url_key(name));
  s.config.values.erase(insecure_key(name));
  if (s.config.get(kCloneRemote) == name) s.config.values.erase(kCloneRemote);
  s.config.save(s.dot / "config");
}

bool is_remote_insecure(const Repository& repo, std::string_view name) {
  return detail::state_of(repo).config.get(insecure_key(name)) == "true";
}

void set_remote_insecure(Repository& repo, std::string_view name, bool insecure) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  require_remote(repo, name);
  if (is_remote_insecure(repo, name) == insecure) return;
  if (insecure) {
    s.config.values[insecure_key(name)] = "true";
  } else {
    s.config.values.erase(insecure_key(name));
  }
  s.config.save(s.dot / "config");
}

void set_clone_remote(Repository& repo, std::string_view name) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  validate_remote_name(name);
  s.config.values[kCloneRemote] = std::string(name);
  s.config.save(s.dot / "config");
}

void set_store_url(Repository& repo, std::string_view url) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  if (s.config.get("store.url") == url) return;
  s.config.values["store.url"] = std::string(url);
  s.config.save(s.dot / "config");
}

std::string default_remote(const Repository& repo) {
  return detail::hint_remote(detail::state_of(repo));
}

std::map<std::string, std::string> incomplete_clone_settings(std::string_view url,
                                                             std::string_view selection) {
  return {{kCloneIncomplete, std::string(url)}, {kCloneSelection, std::string(selection)}};
}

std::optional<IncompleteClone> incomplete_clone(const Repository& repo) {
  const RepoConfig& c = detail::state_of(repo).config;
  auto it = c.values.find(kCloneIncomplete);
  if (it == c.values.end()) return std::nullopt;
  return IncompleteClone{it->second, c.get(kCloneRemote, "origin"), c.get(kCloneSelection)};
}

Hint complete_clone_hint(const Repository& repo, const IncompleteClone& clone) {
  return Hint{.action = HintAction::CompleteClone,
              .remote = clone.remote,
              .path = repo.root().string(),
              .url = clone.url};
}

void finish_clone(Repository& repo) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  if (!s.config.values.count(kCloneIncomplete)) return;
  RepoConfig next = s.config;
  next.values.erase(kCloneIncomplete);
  next.values.erase(kCloneSelection);
  next.save(s.dot / "config");
  s.config = std::move(next);
}

std::vector<BranchInfo> remote_branches(const Repository& repo, std::string_view remote) {
  const detail::RepoState& s = detail::state_of(repo);
  std::string prefix(kRemotesPrefix);
  if (!remote.empty()) prefix += std::string(remote) + "/";
  auto txn = s.meta.begin_read();
  std::vector<BranchInfo> out;
  for (auto& [ref, d] : s.refs.list(txn, prefix))
    out.push_back({ref.substr(kRemotesPrefix.size()), d, false});
  return out;
}

}  // namespace transfer
}  // namespace hangar
