// The global config file (~/.config/hangar/config) and the author fallback chain.
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/user_config.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <system_error>

#include "repo/config.h"

namespace hangar {
namespace fs = std::filesystem;
namespace {

constexpr std::array<std::string_view, 3> kGlobalKeys = {"user.email", "user.name",
                                                         "user.useConfigOnly"};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string value_of(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// The passwd entry of this process's user: full name (the GECOS field up to its first
// comma, else the login) and login@host.
UserIdentity passwd_identity() {
  UserIdentity u;
  const passwd* pw = ::getpwuid(::getuid());
  if (pw == nullptr || pw->pw_name == nullptr || *pw->pw_name == '\0') return u;
  const std::string login = pw->pw_name;
  std::string gecos = pw->pw_gecos ? pw->pw_gecos : "";
  gecos = gecos.substr(0, gecos.find(','));
  u.name = gecos.empty() ? login : gecos;
  std::array<char, 256> host{};
  const bool has_host = ::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0';
  u.email = login + "@" + (has_host ? std::string(host.data()) : std::string("localhost"));
  return u;
}

}  // namespace

fs::path global_config_path() {
  if (const std::string xdg = env("XDG_CONFIG_HOME"); !xdg.empty())
    return fs::path(xdg) / "hangar" / "config";
  const std::string home = env("HOME");
  if (home.empty())
    fail(ErrorCode::NotFound,
         "cannot find the global config: neither XDG_CONFIG_HOME nor HOME is set");
  return fs::path(home) / ".config" / "hangar" / "config";
}

std::map<std::string, std::string> global_config_values() {
  const fs::path file = global_config_path();
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  const Bytes raw = storage::read_file(file, 1 << 20);
  return RepoConfig::parse_lines(as_string_view(raw), file).values;
}

void set_global_config(std::string_view key, const std::optional<std::string>& value) {
  bool known = false;
  for (auto k : kGlobalKeys) known = known || k == key;
  if (!known)
    fail(ErrorCode::InvalidArgument, "config key '" + std::string(key) +
                                         "' does not go in the global config; the keys it "
                                         "takes: user.email, user.name, user.useConfigOnly");
  if (value) {
    if (value->find_first_of("\n\r") != std::string::npos)
      fail(ErrorCode::InvalidArgument, "config value for '" + std::string(key) +
                                           "' contains a line break; give it on one line");
    if (value->empty())
      fail(ErrorCode::InvalidArgument,
           "config " + std::string(key) + " cannot be empty; use --unset to remove it");
    if (key == "user.useConfigOnly" && *value != "true" && *value != "false")
      fail(ErrorCode::InvalidArgument,
           "config user.useConfigOnly must be 'true' or 'false', got '" + *value + "'");
  }
  const fs::path file = global_config_path();
  RepoConfig c{global_config_values()};
  if (value)
    c.values[std::string(key)] = *value;
  else if (c.values.erase(std::string(key)) == 0)
    return;  // unsetting an unset key changes nothing
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) fail_errno(ec.value(), "cannot create folder", file.parent_path().string());
  std::string text = "# hangar global configuration (hangar config --global)\n";
  for (const auto& [k, v] : c.values) text += k + " = " + v + "\n";
  storage::write_file_atomic(file, as_bytes(text));
}

UserIdentity resolve_author(const std::map<std::string, std::string>& repo_config) {
  std::map<std::string, std::string> global;
  try {
    global = global_config_values();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;  // no HOME: no global config
  }
  auto setting = [&](const std::string& key) {
    std::string v = value_of(repo_config, key);
    return v.empty() ? value_of(global, key) : v;
  };
  UserIdentity u{setting("user.name"), setting("user.email")};
  if (u.name.empty()) u.name = env("HANGAR_AUTHOR_NAME");
  if (u.email.empty()) u.email = env("HANGAR_AUTHOR_EMAIL");
  if (setting("user.useConfigOnly") != "true" && (u.name.empty() || u.email.empty())) {
    const UserIdentity pw = passwd_identity();
    if (u.name.empty()) u.name = pw.name;
    if (u.email.empty()) u.email = pw.email;
  }
  if (u.name.empty() || u.email.empty()) {
    std::string keys, vars;
    Hint hint{.action = HintAction::SetIdentity};
    auto add = [&](const std::string& key, const char* var) {
      const std::string sep = keys.empty() ? "" : " / ";
      keys += sep + key;
      vars += sep + var;
      hint.keys.push_back(key);
    };
    if (u.name.empty()) add("user.name", "HANGAR_AUTHOR_NAME");
    if (u.email.empty()) add("user.email", "HANGAR_AUTHOR_EMAIL");
    fail(ErrorCode::InvalidArgument,
         "author identity unknown: no " + keys + " in the repository or global config and no " +
             vars + " in the environment",
         std::move(hint));
  }
  return u;
}

}  // namespace hangar
