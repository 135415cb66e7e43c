// store_gc(): a server's gc of its object store, asked for by a client (operations.h).
#include <hangar/remote/operations.h>

#include "client.h"

namespace hangar::remote {

StoreGcReport store_gc(const Repository& repo, std::string_view name,
                       const TransportOptions& options) {
  const client::RemoteTarget target = client::resolve_remote(repo, name, options);
  client::Connection conn = client::connect(target.url, target.options);
  return conn.transport->collect_store_garbage();
}

}  // namespace hangar::remote
