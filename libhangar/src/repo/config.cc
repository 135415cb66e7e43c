// Config file parsing.
#include "repo/config.h"

#include <hangar/base/file_lock.h>
#include <hangar/error.h>

namespace hangar {
namespace {
std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == s.npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}
}  // namespace

RepoConfig RepoConfig::load(const std::filesystem::path& file) {
  const Bytes raw = storage::read_file(file, 1 << 20);
  return parse(as_string_view(raw), file);
}

RepoConfig RepoConfig::parse_lines(std::string_view text, const std::filesystem::path& file) {
  RepoConfig c;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string line = trim(text.substr(0, nl));
    text = nl == text.npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == line.npos)
      fail(ErrorCode::Corrupt, "corrupt config '" + file.string() + "': line " +
                                   std::to_string(line_no) + " has no '='");
    c.values[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return c;
}

RepoConfig RepoConfig::parse(std::string_view text, const std::filesystem::path& file) {
  RepoConfig c = parse_lines(text, file);
  const std::string version = c.get("format_version");
  if (version != std::to_string(kRepoFormatVersion)) {
    if (version.empty())
      fail(ErrorCode::Corrupt, "corrupt config '" + file.string() + "': no format_version");
    if (version == "1")  // docs/decisions/0015-upgrading-format-1.md
      fail(ErrorCode::Unsupported,
           "repository '" + file.parent_path().parent_path().string() +
               "' is storage format 1; this hangar reads format " +
               std::to_string(kRepoFormatVersion),
           Hint{.action = HintAction::Upgrade});
    fail(ErrorCode::Unsupported, "repository format " + version + " in '" + file.string() +
                                     "' is newer than this hangar supports; upgrade hangar");
  }
  for (const auto& [k, v] : c.values)
    if (k.rfind("extensions.", 0) == 0)
      fail(ErrorCode::Unsupported, "repository '" + file.parent_path().parent_path().string() +
                                       "' uses extension '" + k.substr(11) +
                                       "' that this hangar does not know; upgrade hangar");
  return c;
}

void RepoConfig::save(const std::filesystem::path& file) const {
  std::string text = "# hangar repository configuration\n";
  for (const auto& [k, v] : values) text += k + " = " + v + "\n";
  storage::write_file_atomic(file, as_bytes(text));
}

std::string RepoConfig::get(const std::string& key, const std::string& fallback) const {
  auto it = values.find(key);
  return it == values.end() ? fallback : it->second;
}

}  // namespace hangar
