// The serving side of the protocol over one opened repository, with no HTTP: what the HTTP
// server calls per request and what LocalTransport calls in-process. Private to remote.
#pragma once

#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "negotiate.h"
#include "receive.h"

namespace hangar::remote {

// How long a push waits for a local writer (put, commit, import) to release the repository.
inline constexpr std::chrono::milliseconds kPushLockWait{10000};

// Thread-safe: reads run concurrently (each takes its own snapshot); pushes are applied one
// at a time. Must not outlive the Repository, which it does not own.
class RepoService {
 public:
  // `protocol` is the version this side announces (protocol::kVersion unless a test says);
  // `read_only`: pushes will be refused (announced in info()).
  RepoService(Repository& repo, std::string name, int protocol, bool read_only);

  ServerInfo info() const;
  RefList refs() const;
  // Throws: NotFound (a want is not a commit here), Corrupt.
  std::unique_ptr<PackProducer> history(const HistoryRequest& request) const;
  std::unique_ptr<PackProducer> chunks(std::vector<Digest> ids) const;
  std::vector<Digest> missing(std::span<const Digest> ids) const;

  // One push: feed the pack to sink(), then finish() applies it (or rejects it) as a whole.
  class PushSession {
   public:
    PackSink& sink() noexcept { return reader_; }
    // Verifies the trailer, then under the service's push lock and the repository's writer
    // lock (waiting up to kPushLockWait for a local writer to finish): stores the objects and
    // checks every update (compare-and-swap, fast-forward unless forced) and that every chunk
    // of the new samples is in the pack or stored, in one txn; when all pass, stores the
    // chunks, then commits. A rejection changes nothing.
    // Throws: Remote (truncated pack), Corrupt, InvalidArgument (bad branch name), Locked,
    // NoSpace, Io.
    PushReply finish();

   private:
    friend class RepoService;
    PushSession(RepoService& service, std::vector<RefUpdate> updates, const std::string& source);
    RepoService& service_;
    std::vector<RefUpdate> updates_;
    Spool spool_;
    PackReader reader_;
  };
  // REQUIRES: the repository was opened for Write or Shared. Throws: Io.
  std::unique_ptr<PushSession> begin_push(std::vector<RefUpdate> updates,
                                          const std::string& source);

 private:
  Repository& repo_;
  std::string name_;
  int protocol_;
  bool read_only_;
  std::mutex push_mu_;
};

}  // namespace hangar::remote
