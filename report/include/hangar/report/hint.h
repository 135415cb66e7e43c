// How the CLI says what to do about an error: a Hint (hangar/error.h) as 'hangar ...' commands.
// The library's messages say what failed and where; these functions add the command that helps,
// as the CLI prints it. The Python binding uses them for the actions it has no call of its own
// for. None of them throws except std::bad_alloc.
#pragma once

#include <hangar/error.h>

#include <string>

namespace hangar::report {

// The hint as a clause, e.g. "run 'hangar fetch-data origin HEAD --keys 2'" or "see 'hangar
// column list'".
std::string hint_sentence(const Hint& hint);

// The hint as it follows a message: its separator ("; ", or ": " for Upgrade and UpgradeRemote)
// and its sentence.
std::string hint_suffix(const Hint& hint);

// The message the CLI prints for `error`: its what() and, when it has one, its hint_suffix.
std::string error_text(const Error& error);

}  // namespace hangar::report
