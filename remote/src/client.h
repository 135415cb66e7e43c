// Helpers the client operations (clone, fetch, fetch_data, push) share. Private to remote.
#pragma once

#include <hangar/remote/operations.h>
#include <hangar/remote/transport.h>
#include <hangar/transfer.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pack.h"

namespace hangar::remote::client {

struct Connection {
  std::unique_ptr<Transport> transport;
  ServerInfo info;
};

// Opens the transport and agrees on a protocol. Throws: like Transport::handshake.
Connection connect(const std::string& url, const TransportOptions& options);

// A configured remote: its URL, and `given` with the remote's own settings applied
// (remote.NAME.insecure turns `insecure` on). Throws: NotFound (no such remote; remote_url).
struct RemoteTarget {
  std::string url;
  TransportOptions options;
};
RemoteTarget resolve_remote(const Repository& repo, std::string_view name,
                            const TransportOptions& given);

// The tips of every local branch and remote-tracking branch, each once: the commits a client
// announces as held (with all their history).
std::vector<Digest> local_haves(const transfer::HistoryReader& history);

// Streams one history pack into `handler` (verified by a PackReader). Returns the objects.
// Throws: Remote (truncated), Corrupt, Interrupted (checked between pieces), and what the
// handler throws.
std::uint64_t receive_history(Transport& transport, const HistoryRequest& request,
                              RecordHandler& handler, const RemoteProgress& progress);

// Fetches `ids` in requests of at most kMaxDigestsPerRequest digests, each pack verified to its
// trailer, checking that every chunk received was asked for. Returns the chunks received
// (fewer than ids.size() when the remote lacks some). Throws: like receive_history.
std::uint64_t receive_chunks(Transport& transport, std::span<const Digest> ids,
                             RecordHandler& handler, const RemoteProgress& progress);

}  // namespace hangar::remote::client
