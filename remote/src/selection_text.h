// A DataSelection as one line of text, for the clone.selection marker of an unfinished clone
// (remote_config.h incomplete_clone): 'hangar fetch-data' and a repeated 'hangar clone' complete
// the clone with the selection it was started with. Private to the remote module.
#pragma once

#include <hangar/remote/selection.h>

#include <string>
#include <string_view>

namespace hangar::remote {

// ';'-separated fields, only those that differ from a default DataSelection: "none",
// "columns=a,b", "keys=<hex of each sort-encoded key>,...", "fraction=F", "seed=N",
// "max_bytes=N", "max_percent=P", "stratify=C", "all_history". "" selects everything.
std::string encode_selection(const DataSelection& selection);
// Throws: Corrupt (naming `where`, e.g. the config file) for text encode_selection never makes:
// an unknown field, a bad number, key or column name, or a selection validate() refuses.
DataSelection decode_selection(std::string_view text, const std::string& where);

// True when `selection` names no selector at all (what 'fetch-data REMOTE' alone means).
bool is_default(const DataSelection& selection);

}  // namespace hangar::remote
