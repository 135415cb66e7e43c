// Lazy reads over a remote (lazy_fetch.h).
#include <hangar/error.h>
#include <hangar/remote/lazy_fetch.h>
#include <hangar/transfer.h>

#include <mutex>

#include "client.h"
#include "receive.h"

namespace hangar::remote {

struct RemoteChunkFetcher::Impl {
  std::string name;
  std::string url;
  TransportOptions options;
  std::function<std::optional<std::string>()> current_url;
  mutable std::mutex mutex;  // one fetch at a time; guards everything below
  std::unique_ptr<Transport> transport;
  std::uint64_t base_received = 0;  // bytes of transports dropped after a failure
  std::uint64_t base_sent = 0;
  LazyFetchStats stats;

  std::string describe() const { return "remote '" + name + "' (" + url + ")"; }

  void drop_transport() {
    if (!transport) return;
    base_received += transport->bytes_received();
    base_sent += transport->bytes_sent();
    transport.reset();
  }
};

RemoteChunkFetcher::RemoteChunkFetcher(std::string name, std::string url, TransportOptions options,
                                       std::function<std::optional<std::string>()> current_url)
    : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->url = std::move(url);
  impl_->options = std::move(options);
  impl_->current_url = std::move(current_url);
}

RemoteChunkFetcher::~RemoteChunkFetcher() = default;

std::string RemoteChunkFetcher::source() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->describe();
}

LazyFetchStats RemoteChunkFetcher::stats() const {
  std::lock_guard lock(impl_->mutex);
  LazyFetchStats s = impl_->stats;
  s.bytes_received = impl_->base_received;
  s.bytes_sent = impl_->base_sent;
  if (impl_->transport) {
    s.bytes_received += impl_->transport->bytes_received();
    s.bytes_sent += impl_->transport->bytes_sent();
  }
  return s;
}

void RemoteChunkFetcher::fetch(std::span<const Digest> ids, const StoreChunks& store) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  try {
    if (!m.transport) {
      if (m.current_url) {
        try {
          if (std::optional<std::string> now = m.current_url()) m.url = std::move(*now);
        } catch (const Error&) {
          // An unreadable config keeps the URL known so far; the connect below says what fails.
        }
      }
      try {
        m.transport = client::connect(m.url, m.options).transport;
      } catch (const Error& e) {
        // A path remote that was moved or removed says NotFound: for a read, like a server that
        // does not answer, the remote cannot be reached (NotLocal below, naming fetch-data).
        if (e.code() != ErrorCode::NotFound) throw;
        fail(ErrorCode::Remote, e.what());
      }
    }
    ChunkBatcher batch([&store](std::span<const storage::EncodedChunk> chunks) {
      store(chunks, /*already_verified=*/true);
      return chunks.size();
    });
    DirectHandler handler(nullptr, &batch);
    m.stats.chunks += client::receive_chunks(*m.transport, ids, handler, {});
    m.stats.requests += (ids.size() + kMaxDigestsPerRequest - 1) / kMaxDigestsPerRequest;
    batch.flush();
  } catch (const Error& e) {
    m.drop_transport();
    if (e.code() != ErrorCode::Remote) throw;
    fail(ErrorCode::NotLocal,
         "cannot fetch " + std::to_string(ids.size()) + " chunk" + (ids.size() == 1 ? "" : "s") +
             " from " + m.describe() + ": " + e.what(),
         Hint{.action = HintAction::FetchData, .remote = m.name});
  }
}

std::shared_ptr<RemoteChunkFetcher> enable_lazy_fetch(Repository& repo,
                                                      const TransportOptions& options) {
  if (!repo.lazy_fetch()) return nullptr;
  const std::string name = transfer::default_remote(repo);
  const std::optional<std::string> url = transfer::find_remote_url(repo, name);
  if (!url) return nullptr;
  TransportOptions o = options;
  o.insecure = o.insecure || transfer::is_remote_insecure(repo, name);
  auto fetcher = std::make_shared<RemoteChunkFetcher>(
      name, *url, std::move(o),
      [root = repo.root(), name] { return transfer::current_remote_url(root, name); });
  repo.set_chunk_fetcher(fetcher);
  return fetcher;
}

}  // namespace hangar::remote
