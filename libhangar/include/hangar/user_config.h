// The user's own settings, shared by every repository (hangar config --global), and the one
// place that decides who the author of a commit is.
#pragma once

#include <hangar/repository.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hangar {

// $XDG_CONFIG_HOME/hangar/config, else $HOME/.config/hangar/config. Throws: NotFound (neither
// variable is set).
std::filesystem::path global_config_path();

// Every key and value of the global config file, sorted by key; empty when the file does not
// exist. Throws: Corrupt (a line without '='), Io.
std::map<std::string, std::string> global_config_values();

// Sets `key` (nullopt: removes it) in the global config file, creating it and its folder.
// Only user.name, user.email and user.useConfigOnly belong there.
// Throws: InvalidArgument (another key, a bad value), NotFound (no HOME), NoSpace, Io.
void set_global_config(std::string_view key, const std::optional<std::string>& value);

// The author of a commit, each of name and email from the first of: `repo_config`, the global
// config, HANGAR_AUTHOR_NAME / HANGAR_AUTHOR_EMAIL, the passwd entry of this process's user
// (its full name, else its login; the email login@host). user.useConfigOnly = true (in either
// config) skips the last two, as git's setting of that name does.
// Throws: InvalidArgument (no name or no email found: the message says how to set them).
UserIdentity resolve_author(const std::map<std::string, std::string>& repo_config);

}  // namespace hangar
