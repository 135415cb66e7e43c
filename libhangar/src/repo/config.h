// The repository config file, .hangar/config: "key = value" lines, '#' comments.
// Keys: format_version (2), user.name, user.email; any "extensions.*" key names a feature
// this hangar does not know, so the repository is refused (docs/format/repo-layout.md). A
// repository of format 1 is refused with an Upgrade hint (upgrade.h).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace hangar {

constexpr int kRepoFormatVersion = 2;

struct RepoConfig {
  std::map<std::string, std::string> values;

  // Throws: NotFound, Corrupt (malformed line), Unsupported (format 1, a newer format or an
  // extension).
  static RepoConfig load(const std::filesystem::path& file);
  // The checks of load() on a config file's text; `file` names it in messages.
  static RepoConfig parse(std::string_view text, const std::filesystem::path& file);
  // The "key = value" lines only, without the format checks (the global config file, which
  // has no format_version). Throws: Corrupt (a line without '=').
  static RepoConfig parse_lines(std::string_view text, const std::filesystem::path& file);
  // Atomic replace. Throws: Io, NoSpace.
  void save(const std::filesystem::path& file) const;
  std::string get(const std::string& key, const std::string& fallback = "") const;
};

}  // namespace hangar
