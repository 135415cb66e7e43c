// The client's data plane to an object store (decision 0016): chunks read with ranged GETs on
// presigned URLs and verified before they are handed on; a push's chunks packed and uploaded
// through presigned PUT URLs. No S3 credentials are needed. Private to remote.
#pragma once

#include <hangar/remote/operations.h>
#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <functional>
#include <span>
#include <string>

#include "pack.h"

namespace hangar::remote::client {

// Ranges of one pack closer than this are read as one request.
inline constexpr std::uint64_t kRangeGap = 64u << 10;
// Largest ranged GET.
inline constexpr std::uint64_t kMaxRangeBytes = 8u << 20;
// Parallel connections to the object store.
inline constexpr unsigned kStoreConnections = 4;

// Fresh locations (and presigned URLs) of `ids`, asked of the remote again: what a transfer
// whose URLs expired uses to go on (Transport::locate_chunks).
using Relocate = std::function<ChunkLocations(std::span<const Digest> ids)>;

// After this many refreshes in a row that brought no chunk (each URL expired again before its
// read started: clocks far apart, or a lifetime too short to start a request in), a transfer
// gives up with Problem::Expired.
inline constexpr int kMaxFruitlessRefreshes = 3;

// Reads every chunk of `locations` from the object store (ranges of a pack merged, 4 at a
// time), checks each (checksum, decode, digest) and hands it to `handler`, one call at a time.
// When the presigned URLs expire on the way, the reads in flight finish, the chunks not yet
// read are located again with `relocate` (when set) and the transfer goes on with those; what
// was handed on is never read twice. `insecure`: the store's TLS certificate is not checked
// (TransportOptions::insecure). Returns the chunks handed on. Throws: Corrupt (a chunk fails
// verification), s3::S3Error (store down, TLS, a URL expired that could not be refreshed: the
// message says which), what `relocate` throws (with what was going on in front), Interrupted,
// what the handler throws.
std::uint64_t fetch_located(ChunkLocations locations, RecordHandler& handler,
                            const std::string& source, bool insecure, const Relocate& relocate);

// Packs the stored bytes of `ids` (all local) into data packs of ~32 MiB and uploads each with
// its index through URLs from transport.begin_upload(); the next push() completes them. A PUT
// whose URL expired (a slow upload, a stopped process) is granted a fresh URL and sent again.
// Returns the bytes uploaded. Throws: NotLocal, s3::S3Error, Remote, Interrupted.
std::uint64_t upload_chunks(const Repository& repo, Transport& transport,
                            std::span<const Digest> ids, const RemoteProgress& progress);

}  // namespace hangar::remote::client
