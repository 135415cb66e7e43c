// Lazy reads over a remote: the ChunkFetcher (hangar/chunk_fetcher.h) that makes a repository
// set to fetch on demand (config fetch.lazy = true, 'hangar clone --lazy') read a sample that
// is not local by bringing its chunks from the remote it was cloned from.
//
// Programs that read a repository (the CLI, the Python package, a C++ training loop) call
// enable_lazy_fetch() once after Repository::open(); libhangar itself never opens a connection.
#pragma once

#include <hangar/chunk_fetcher.h>
#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hangar::remote {

// What a fetcher moved so far (for reports and benchmarks).
struct LazyFetchStats {
  std::uint64_t requests = 0;        // chunk requests sent
  std::uint64_t chunks = 0;          // chunks received
  std::uint64_t bytes_received = 0;  // pack bytes received
  std::uint64_t bytes_sent = 0;      // request bytes sent
};

// A fetcher from remote `name` at `url`. Connects at its first fetch and keeps the connection;
// after a failure it reconnects at the next fetch (a server that was restarted serves again).
// `current_url`, when given, is asked for the remote's URL at each connect (a 'hangar remote
// set-url' by another process then takes effect); when it fails or says nothing, `url` stays.
// Requests hold at most kMaxDigestsPerRequest digests; received chunks are verified by the
// pack reader and stored in batches of ~8 MiB. Thread-safe: fetches run one at a time.
class RemoteChunkFetcher final : public ChunkFetcher {
 public:
  RemoteChunkFetcher(std::string name, std::string url, TransportOptions options,
                     std::function<std::optional<std::string>()> current_url = {});
  ~RemoteChunkFetcher() override;
  // Throws: NotLocal "cannot fetch N chunks from remote 'origin' (URL): <why>; ..." when the
  // remote cannot be reached or the stream breaks (chunks stored before stay: whole and
  // verified), Unsupported, Corrupt (a forged chunk: nothing of its batch is stored), NoSpace,
  // Io, Interrupted.
  void fetch(std::span<const Digest> ids, const StoreChunks& store) override;
  std::string source() const override;
  LazyFetchStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// When `repo` is set to fetch lazily (Repository::lazy_fetch()) and has a remote to fetch from
// (transfer::default_remote: the clone's remote, else the only one), installs a
// RemoteChunkFetcher for it (which re-reads the remote's URL from the config file at each
// connect; `options`, made insecure when the remote is: transfer::is_remote_insecure) and
// returns it; otherwise installs nothing and returns null.
// Opens no connection. Throws: nothing but std::bad_alloc.
std::shared_ptr<RemoteChunkFetcher> enable_lazy_fetch(
    Repository& repo, const TransportOptions& options = TransportOptions::from_env());

}  // namespace hangar::remote
