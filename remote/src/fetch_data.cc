// fetch-data: the chunks of the selected samples that are not local yet. The packs are
// verified into a spool first and applied only when every one has verified to its trailer,
// so a broken transfer leaves the repository as it was.
#include <hangar/error.h>
#include <hangar/storage/interrupt.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include "client.h"
#include "receive.h"

namespace hangar::remote {

FetchDataResult fetch_data(Repository& repo, const FetchDataOptions& o) try {
  validate(o.data);
  const std::string url = remote_url(repo, o.remote);
  FetchDataResult out;
  out.commit = repo.resolve(o.ref.value_or("HEAD"));
  const SelectionResult selection = select_chunks(repo, out.commit, o.data);
  out.samples = selection.samples;
  out.chunks_selected = selection.chunks.size();
  const std::vector<Digest> missing = transfer::missing_chunks(repo, selection.chunks);
  out.chunks_missing = missing.size();
  if (missing.empty()) return out;  // a repeated fetch-data moves nothing

  client::Connection conn = client::connect(url, o.transport);
  Transport& t = *conn.transport;
  Spool spool(temp_dir_of(repo));
  const std::uint64_t received = client::receive_chunks(t, missing, spool, o.progress);
  ChunkBatcher batch(repo);
  spool.replay_chunks([&](const transfer::StoredChunk& c) { batch.add(c); });
  batch.flush();
  out.stats.chunks = received;
  out.chunks_unavailable = missing.size() - received;
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent();
  return out;
} catch (...) {
  rethrow_interrupted("no data was stored");
}

}  // namespace hangar::remote
