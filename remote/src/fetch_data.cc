// fetch-data: the chunks of the selected samples that are not local yet. The packs are
// verified into a spool first and applied only when every one has verified to its trailer,
// so a broken transfer leaves the repository as it was.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <optional>

#include "client.h"
#include "labels_first.h"
#include "receive.h"
#include "selection_text.h"

namespace hangar::remote {

FetchDataResult fetch_data(Repository& repo, const FetchDataOptions& options) try {
  // 'fetch-data REMOTE' alone in an unfinished clone of REMOTE completes the clone: the data
  // its own selection picks at HEAD; then the clone is marked complete.
  const auto unfinished = transfer::incomplete_clone(repo);
  const bool completes = unfinished && unfinished->remote == options.remote && !options.ref &&
                         is_default(options.data);
  FetchDataOptions o = options;
  if (completes) {
    o.data = decode_selection(unfinished->selection, (repo.root() / ".hangar/config").string());
    if (!repo.head())
      fail(ErrorCode::NotFound,
           "the clone in '" + repo.root().string() + "' of " + unfinished->url +
               " was interrupted before its history arrived",
           Hint{.action = HintAction::CompleteClone,
                .path = repo.root().string(),
                .url = unfinished->url});
  }
  validate(o.data);
  const client::RemoteTarget target = client::resolve_remote(repo, o.remote, o.transport);
  FetchDataResult out;
  out.completed_clone = completes;
  out.commit = repo.resolve(o.ref.value_or("HEAD"));
  // Connects only when something is to be fetched. A budget counts the handshake too, so the
  // selection is made again once connected (it can only shrink: same order, less budget).
  std::optional<client::Connection> conn;
  auto transport = [&]() -> Transport& {
    if (!conn) conn = client::connect(target.url, target.options);
    return *conn->transport;
  };
  const bool budgeted = o.data.max_bytes || o.data.max_percent;
  if (o.data.stratify)
    out.selection.label_chunks = fetch_labels(repo, transport, out.commit, o.data, o.progress);
  auto received_so_far = [&] { return conn ? conn->transport->bytes_received() : 0; };
  SelectionResult selection = select_chunks(repo, out.commit, o.data, received_so_far());
  std::vector<Digest> missing = transfer::missing_chunks(repo, selection.chunks);
  if (!missing.empty() && budgeted && !conn) {
    transport();
    selection = select_chunks(repo, out.commit, o.data, received_so_far());
    missing = transfer::missing_chunks(repo, selection.chunks);
  }
  const std::uint64_t label_chunks = out.selection.label_chunks;
  out.selection = SelectionReport::of(selection);
  out.selection.label_chunks = label_chunks;
  out.samples = selection.samples;
  out.chunks_selected = selection.chunks.size();
  out.chunks_missing = missing.size();
  out.stats.chunks = label_chunks;
  // A lazy clone without a selection leaves its data to reads (clone.cc does the same).
  if (completes && repo.lazy_fetch() && is_default(o.data)) missing.clear();
  if (!missing.empty()) {  // a repeated fetch-data moves nothing
    Transport& t = transport();
    Spool spool(temp_dir_of(repo));
    const std::uint64_t got = client::receive_chunks(t, missing, spool, o.progress);
    ChunkBatcher batch(repo);
    spool.replay_chunks([&](const transfer::StoredChunk& c) { batch.add(c); });
    batch.flush();
    out.stats.chunks += got;
    out.chunks_unavailable = missing.size() - got;
  }
  // Every selected chunk the remote has is local now; one it lacks will not come by retrying.
  if (completes) transfer::finish_clone(repo);
  if (conn) {
    out.stats.bytes_received = conn->transport->bytes_received();
    out.stats.bytes_sent = conn->transport->bytes_sent();
  }
  return out;
} catch (...) {
  rethrow_interrupted("no data was stored");
}

}  // namespace hangar::remote
