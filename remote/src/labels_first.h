// --stratify needs the label values before it can choose: the label column's missing chunks
// are fetched and stored first (selection.h, "Stratify"). Shared by clone and fetch-data.
#pragma once

#include <hangar/remote/operations.h>

#include <functional>

namespace hangar::remote {

// Fetches the chunks of `selection.stratify`'s samples at `commit` that are not local, verified
// into a spool and then stored; `transport` connects (once) only when some are missing. With a
// budget, refuses before any request when those chunks could take the transfer
// (bytes_received() so far included) past it. Returns the chunks received.
// REQUIRES: selection.stratify; repo opened for Write.
// Throws: InvalidArgument (budget, not a label column), NotFound, Remote, Corrupt, NoSpace, Io,
// Interrupted.
std::uint64_t fetch_labels(Repository& repo, const std::function<Transport&()>& transport,
                           const Digest& commit, const DataSelection& selection,
                           const RemoteProgress& progress);

}  // namespace hangar::remote
