// Label chunks before a stratified selection (labels_first.h).
#include "labels_first.h"

#include <hangar/error.h>
#include <hangar/transfer.h>

#include <unordered_map>

#include "client.h"
#include "receive.h"

namespace hangar::remote {

std::uint64_t fetch_labels(Repository& repo, const std::function<Transport&()>& transport,
                           const Digest& commit, const DataSelection& selection,
                           const RemoteProgress& progress) {
  const std::string& column = *selection.stratify;
  const LabelChunks labels = label_chunks(repo, commit, column);
  const std::vector<Digest> missing = transfer::missing_chunks(repo, labels.chunks);
  if (missing.empty()) return 0;
  Transport& t = transport();
  if (const auto budget = selection_budget(repo, commit, selection)) {
    std::unordered_map<Digest, std::uint64_t> bound;
    for (std::size_t i = 0; i < labels.chunks.size(); ++i)
      bound.emplace(labels.chunks[i], labels.raw_bounds[i]);
    std::uint64_t wire = pack_overhead(missing.size());
    for (const auto& d : missing) wire += kChunkRecordOverhead + bound[d];
    if (t.bytes_received() + wire > *budget)
      fail(ErrorCode::InvalidArgument,
           "--stratify " + column + " needs its labels first: up to " + std::to_string(wire) +
               " bytes, which with the " + std::to_string(t.bytes_received()) +
               " bytes received so far pass --max-bytes (" + std::to_string(*budget) + " bytes)",
           Hint{.action = HintAction::FetchData, .column = column});
  }
  Spool spool(temp_dir_of(repo));
  const std::uint64_t received = client::receive_chunks(t, missing, spool, progress);
  ChunkBatcher batch(repo);
  spool.replay_chunks([&](const transfer::StoredChunk& c) { batch.add(c); });
  batch.flush();
  return received;
}

}  // namespace hangar::remote
