// Shared client helpers (client.h).
#include "client.h"

#include <hangar/base/interrupt.h>
#include <hangar/error.h>

#include <algorithm>
#include <unordered_set>

#include "receive.h"
#include "store_client.h"

namespace hangar::remote::client {
namespace {

// Counts objects for progress.
class CountingHandler final : public RecordHandler {
 public:
  CountingHandler(RecordHandler& inner, const RemoteProgress& progress)
      : inner_(inner), progress_(progress) {}
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    inner_.on_object(type, id, canonical);
    if (++objects_ % 256 == 0 && progress_) progress_("history", objects_, 0);
  }
  void on_chunk(const transfer::StoredChunk& chunk) override { inner_.on_chunk(chunk); }
  std::uint64_t objects() const noexcept { return objects_; }

 private:
  RecordHandler& inner_;
  const RemoteProgress& progress_;
  std::uint64_t objects_ = 0;
};

// Hands pack pieces on until an interrupt is requested, then throws Interrupted: the check
// between pieces of every pack a client receives, whatever the transport.
class InterruptibleSink final : public PackSink {
 public:
  explicit InterruptibleSink(PackSink& inner) : inner_(inner) {}
  void write(ByteView bytes) override {
    check_interrupt();
    inner_.write(bytes);
  }

 private:
  PackSink& inner_;
};

}  // namespace

Connection connect(const std::string& url, const TransportOptions& options) {
  Connection c;
  c.transport = open_transport(url, options);
  c.info = c.transport->handshake();
  return c;
}

RemoteTarget resolve_remote(const Repository& repo, std::string_view name,
                            const TransportOptions& given) {
  RemoteTarget t{remote_url(repo, name), given};
  t.options.insecure = given.insecure || transfer::is_remote_insecure(repo, name);
  return t;
}

std::vector<Digest> local_haves(const transfer::HistoryReader& history) {
  std::vector<Digest> out;
  std::unordered_set<Digest> seen;
  for (const auto* prefix : {&transfer::kHeadsPrefix, &transfer::kRemotesPrefix})
    for (const auto& r : history.refs(*prefix))
      if (seen.insert(r.commit).second) out.push_back(r.commit);
  return out;
}

std::uint64_t receive_history(Transport& transport, const HistoryRequest& request,
                              RecordHandler& handler, const RemoteProgress& progress) {
  CountingHandler counting(handler, progress);
  PackReader reader(transport.url(), counting);
  InterruptibleSink sink(reader);
  transport.fetch_history(request, sink);
  reader.finish();
  if (progress) progress("history", counting.objects(), counting.objects());
  return counting.objects();
}

std::uint64_t receive_chunks(Transport& transport, std::span<const Digest> ids,
                             RecordHandler& handler, const RemoteProgress& progress) {
  std::uint64_t received = 0;
  const std::uint64_t total = ids.size();
  for (std::size_t at = 0; at < ids.size(); at += kMaxDigestsPerRequest) {
    const auto batch = ids.subspan(at, std::min(kMaxDigestsPerRequest, ids.size() - at));
    RequestedChunks checked(handler, transport.url());
    checked.expect(batch);
    std::uint64_t done = received;
    checked.on_progress = [&] {
      if (++done % 64 == 0 && progress) progress("data", done, total);
    };
    if (auto located = transport.locate_chunks(batch)) {
      // The remote's data is in an object store: read it there (decision 0016).
      fetch_located(std::move(*located), checked, "remote " + transport.url(), transport.insecure(),
                    [&](std::span<const Digest> rest) {
                      auto again = transport.locate_chunks(rest);
                      if (!again)
                        fail(ErrorCode::Remote, "remote " + transport.url() +
                                                    " no longer locates chunks in an object store");
                      return std::move(*again);
                    });
      received += checked.received();
      continue;
    }
    PackReader reader(transport.url(), checked);
    InterruptibleSink sink(reader);
    transport.fetch_chunks(batch, sink);
    reader.finish();
    received += checked.received();
  }
  if (progress) progress("data", received, total);
  return received;
}

}  // namespace hangar::remote::client
