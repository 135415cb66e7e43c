// LocalTransport: a repository on disk as a remote, served in-process by a RepoService.
// Opens the other repository read-only for fetches and for writing (its lock) only to push.
#include <hangar/error.h>

#include <filesystem>
#include <optional>

#include "protocol.h"
#include "service.h"
#include "transports.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

class LocalTransport final : public Transport {
 public:
  explicit LocalTransport(std::string url) : url_(std::move(url)) {
    std::error_code ec;
    root_ = fs::absolute(url_, ec).lexically_normal();
    if (ec) fail_errno(ec.value(), "cannot resolve remote path", url_);
    if (root_.has_filename() == false) root_ = root_.parent_path();
  }

  const std::string& url() const override { return url_; }

  ServerInfo handshake() override {
    ensure(Repository::Mode::Read);
    return service_->info();
  }
  RefList list_refs() override {
    ensure(Repository::Mode::Read);
    return service_->refs();
  }
  void fetch_history(const HistoryRequest& request, PackSink& sink) override {
    ensure(Repository::Mode::Read);
    auto producer = service_->history(request);
    received_ += pump(*producer, sink);
  }
  void fetch_chunks(std::span<const Digest> ids, PackSink& sink) override {
    ensure(Repository::Mode::Read);
    auto producer = service_->chunks(std::vector<Digest>(ids.begin(), ids.end()));
    received_ += pump(*producer, sink);
  }
  std::vector<Digest> missing_chunks(std::span<const Digest> ids) override {
    ensure(Repository::Mode::Read);
    sent_ += ids.size() * Digest::kSize;
    auto out = service_->missing(ids);
    received_ += out.size() * Digest::kSize;
    return out;
  }
  PushReply push(std::span<const RefUpdate> updates, PackSource& pack) override {
    ensure(Repository::Mode::Write);
    auto session =
        service_->begin_push(std::vector<RefUpdate>(updates.begin(), updates.end()), url_);
    sent_ += pump(pack, session->sink());
    return session->finish();
  }
  std::uint64_t bytes_received() const override { return received_; }
  std::uint64_t bytes_sent() const override { return sent_; }

 private:
  void ensure(Repository::Mode mode) {
    if (repo_ && (mode == Repository::Mode::Read || mode_ == Repository::Mode::Write)) return;
    service_.reset();
    repo_.reset();  // LMDB: an env is opened at most once per process at a time
    std::error_code ec;
    if (!fs::is_directory(root_ / ".hangar", ec))
      fail(ErrorCode::NotFound, "remote '" + url_ + "' is not a hangar repository (no .hangar " +
                                    "folder at '" + root_.string() + "'); check the path");
    repo_.emplace(Repository::open(root_, mode));
    mode_ = mode;
    service_.emplace(*repo_, root_.filename().string(), protocol::kVersion, false);
  }

  std::string url_;
  fs::path root_;
  std::optional<Repository> repo_;
  Repository::Mode mode_ = Repository::Mode::Read;
  std::optional<RepoService> service_;
  std::uint64_t received_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<Transport> make_local_transport(const std::string& path,
                                                const TransportOptions& options) {
  (void)options;  // no auth on a local path: file permissions apply
  return std::make_unique<LocalTransport>(path);
}

}  // namespace hangar::remote
