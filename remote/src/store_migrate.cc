// Local chunks into the object store (store_backing.h,
// docs/decisions/0019-migrating-local-chunks.md): a repository that held chunks on its own disk
// before it was served with --store.
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <mutex>

#include "store_backing.h"

namespace hangar::remote::store {

MigrateReport StoreBacking::upload_local(
    const Repository& repo, std::span<const Digest> ids,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::vector<Digest> order(ids.begin(), ids.end());
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  transfer::ChunkSource source(repo);
  PackBuilder builder;
  MigrateReport report;
  std::uint64_t done = 0;
  Bytes scratch;
  auto flush = [&] {
    auto [data, index] = builder.finish();
    // The final keys at once: these bytes come from this repository and were verified here,
    // so there is no client upload to re-check (compare verify_session).
    client_->put(data_key(url_.prefix, index.pack), data);
    client_->put(index_key(url_.prefix, index.pack), encode_index(index));
    failpoint("store-migrate-uploaded");  // tests: a pack in place that no manifest names yet
    check_interrupt();  // before the manifest names the pack: the next run starts over
    Manifest m;
    {
      std::unique_lock lock(mu_);
      if (!catalog_.has_pack(index.pack)) {
        catalog_.add(index);
        manifest_.data.push_back(index.pack);
      }
      m = manifest_;
    }
    client_->put(manifest_key(url_.prefix), as_bytes(encode_manifest(m)));
    report.chunks += index.entries.size();
    report.bytes += data.size();
    ++report.packs;
    if (progress) progress(done, order.size());
  };
  for (const Digest& id : order) {
    check_interrupt();
    const auto chunk = source.read_stored(id);
    if (!chunk)
      fail(ErrorCode::NotLocal, "chunk " + id.hex() +
                                    " left the repository's disk during its upload to the "
                                    "store (a gc or drop-data meanwhile?); start again");
    transfer::verify_chunk(id, chunk->codec, chunk->raw_size, chunk->stored, scratch);
    builder.add(*chunk);
    ++done;
    if (builder.size() >= kPackTarget) flush();
  }
  if (!builder.empty()) flush();
  return report;
}

}  // namespace hangar::remote::store
