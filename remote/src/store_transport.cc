// StoreTransport: a bucket that an S3-backed server writes to, read without the server, with
// the user's own S3 credentials (transports.h, decision 0016). History comes from the history
// packs the manifest names, chunks through presigned URLs this side signs itself, so clone,
// fetch, fetch-data and lazy reads work unchanged. Read-only.
#include <hangar/error.h>
#include <hangar/hangar.h>
#include <hangar/s3/client.h>

#include <map>

#include "data_protocol.h"
#include "pack.h"
#include "protocol.h"
#include "store_backing.h"
#include "transports.h"

namespace hangar::remote {
namespace {

// Keeps each history object once.
class ObjectCollector final : public RecordHandler {
 public:
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    objects.try_emplace(id, type, to_bytes(canonical));
  }
  void on_chunk(const transfer::StoredChunk& chunk) override {
    fail(ErrorCode::Corrupt, "history pack of the object store holds chunk " + chunk.id.hex());
  }
  std::map<Digest, std::pair<transfer::ObjectType, Bytes>> objects;
};

class StoreTransport final : public Transport {
 public:
  StoreTransport(std::string url, const TransportOptions& options)
      : url_(std::move(url)), insecure_(options.insecure) {
    store::StoreConfig config{url_, "", ""};
    config.insecure = options.insecure;
    client_ = store::open_client(config, parsed_);
  }

  bool insecure() const override { return insecure_; }

  const std::string& url() const override { return url_; }

  ServerInfo handshake() override {
    client_->check_bucket();
    auto m = store::read_manifest(*client_, parsed_.prefix);
    if (!m)
      fail(ErrorCode::NotFound,
           url_ + " holds no hangar data (no " + store::manifest_key(parsed_.prefix) +
               "); check the prefix",
           Hint{.action = HintAction::ServeStore, .url = url_});
    manifest_ = std::move(*m);
    catalog_ = store::load_catalog(*client_, parsed_.prefix, manifest_);
    ServerInfo info;
    info.protocol = protocol::kVersion;
    info.server = "object store " + client_->options().endpoint;
    std::string name = parsed_.prefix.empty() ? parsed_.bucket : parsed_.prefix;
    while (!name.empty() && name.back() == '/') name.pop_back();
    info.name = name.substr(name.rfind('/') + 1);
    info.read_only = true;
    info.capabilities = {"history", protocol::kStoreCapability};
    return info;
  }

  RefList list_refs() override {
    RefList out;
    out.head = manifest_.head;
    out.branches = manifest_.branches;
    out.tags = manifest_.tags;
    return out;
  }

  void fetch_history(const HistoryRequest&, PackSink& sink) override {
    ObjectCollector all;
    for (const Digest& name : manifest_.history) {
      const std::string key = store::history_key(parsed_.prefix, name);
      auto bytes = client_->get(key);
      if (!bytes)
        fail(ErrorCode::Corrupt,
             url_ + ": the manifest names history pack " + name.short_hex() + ", which is missing");
      if (digest_of(*bytes) != name)
        fail(ErrorCode::Corrupt,
             url_ + ": history pack " + name.short_hex() + " does not match its name");
      received_ += bytes->size();
      PackReader reader(url_, all);
      reader.write(*bytes);
      reader.finish();
    }
    PackWriter writer;
    for (const auto& [id, object] : all.objects) {
      writer.add_object(object.first, id, object.second);
      sink.write(writer.pending());
      writer.clear_pending();
    }
    writer.finish();
    sink.write(writer.pending());
    writer.clear_pending();
  }

  void fetch_chunks(std::span<const Digest>, PackSink&) override {
    fail(ErrorCode::Internal, "StoreTransport::fetch_chunks: use locate_chunks");
  }

  std::vector<Digest> missing_chunks(std::span<const Digest> ids) override {
    std::vector<Digest> out;
    for (const Digest& id : ids)
      if (catalog_.find(id) == nullptr) out.push_back(id);
    return out;
  }

  std::optional<ChunkLocations> locate_chunks(std::span<const Digest> ids) override {
    return store::locate_in(catalog_, *client_, parsed_.prefix, ids, store::kGetUrlExpiry);
  }

  PushReply push(std::span<const RefUpdate>, PackSource&) override {
    fail(ErrorCode::Unsupported, url_ + " is read-only here",
         Hint{.action = HintAction::ServeStore, .url = url_});
  }

  std::uint64_t bytes_received() const override { return received_; }
  std::uint64_t bytes_sent() const override { return 0; }

 private:
  std::string url_;
  bool insecure_ = false;
  store::StoreUrl parsed_;
  std::unique_ptr<s3::Client> client_;
  store::Manifest manifest_;
  store::Catalog catalog_;
  std::uint64_t received_ = 0;
};

}  // namespace

std::unique_ptr<Transport> make_store_transport(const std::string& url,
                                                const TransportOptions& options) {
  return std::make_unique<StoreTransport>(url, options);
}

}  // namespace hangar::remote
