// The object store behind an S3-backed server (store_backing.h).
#include "store_backing.h"

#include <hangar/error.h>
#include <hangar/s3/credentials.h>

#include <algorithm>
#include <mutex>
#include <random>

namespace hangar::remote::store {
namespace {

// Largest ranged GET when reading a pack back (verification, clients).
constexpr std::uint64_t kMaxRange = 8u << 20;

std::string random_session_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}

}  // namespace

void Catalog::add(const PackIndex& index) {
  if (has_pack(index.pack)) return;
  const auto p = static_cast<std::uint32_t>(packs_.size());
  packs_.push_back(index.pack);
  pack_ids_.emplace(index.pack, p);
  for (const auto& en : index.entries)
    chunks_.try_emplace(en.id,
                        Loc{p, en.offset, en.stored_size, en.raw_size, en.codec, en.checksum});
}

const Catalog::Loc* Catalog::find(const Digest& id) const {
  const auto it = chunks_.find(id);
  return it == chunks_.end() ? nullptr : &it->second;
}

std::vector<Digest> Catalog::chunks_of(std::uint32_t p) const {
  std::vector<Digest> out;
  for (const auto& [id, loc] : chunks_)
    if (loc.pack == p) out.push_back(id);
  return out;
}

std::optional<Manifest> read_manifest(s3::Client& client, const std::string& prefix) {
  const std::string key = manifest_key(prefix);
  auto bytes = client.get(key);
  if (!bytes) return std::nullopt;
  return decode_manifest(as_string_view(*bytes), "s3://" + client.options().bucket + "/" + key);
}

Catalog load_catalog(s3::Client& client, const std::string& prefix, const Manifest& manifest) {
  Catalog catalog;
  for (const Digest& pack : manifest.data) {
    const std::string key = index_key(prefix, pack);
    const std::string what = "s3://" + client.options().bucket + "/" + key;
    auto bytes = client.get(key);
    if (!bytes)
      fail(ErrorCode::Corrupt, what + ": the manifest names this pack index, but it is missing");
    PackIndex index = decode_index(*bytes, what);
    if (index.pack != pack) fail(ErrorCode::Corrupt, what + ": the index names another pack");
    catalog.add(index);
  }
  return catalog;
}

std::vector<std::vector<Digest>> Catalog::chunks_by_pack() const {
  std::vector<std::vector<Digest>> out(packs_.size());
  for (const auto& [id, loc] : chunks_) out[loc.pack].push_back(id);
  return out;
}

ChunkLocations locate_in(const Catalog& catalog, const s3::Client& client,
                         const std::string& prefix, std::span<const Digest> ids,
                         std::chrono::seconds expires) {
  ChunkLocations out;
  std::unordered_map<std::uint32_t, std::uint32_t> url_of;  // catalog pack -> pack_urls index
  const auto now = std::chrono::system_clock::now();
  for (const Digest& id : ids) {
    const Catalog::Loc* loc = catalog.find(id);
    if (loc == nullptr) continue;
    auto [it, fresh] =
        url_of.try_emplace(loc->pack, static_cast<std::uint32_t>(out.pack_urls.size()));
    if (fresh)
      out.pack_urls.push_back(client.presign(
          s3::Method::Get, data_key(prefix, catalog.packs()[loc->pack]), expires, now));
    out.items.push_back(
        {id, it->second, loc->offset, loc->stored_size, loc->raw_size, loc->codec, loc->checksum});
  }
  return out;
}

std::unique_ptr<s3::Client> open_client(const StoreConfig& config, StoreUrl& parsed) {
  parsed = parse_store_url(config.url);
  s3::ClientOptions o;
  if (!config.endpoint.empty()) {
    o.endpoint = config.endpoint;
  } else if (auto e = s3::find_endpoint()) {
    o.endpoint = *e;
  } else {
    fail(ErrorCode::InvalidArgument,
         "no S3 endpoint for " + config.url +
             ": pass --s3-endpoint URL, or set AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL");
  }
  o.bucket = parsed.bucket;
  o.region = config.region.empty() ? s3::find_region() : config.region;
  o.tls.insecure = config.insecure;
  o.tls.insecure_flag = config.insecure_flag;
  return std::make_unique<s3::Client>(o, s3::find_credentials());
}

std::unique_ptr<StoreBacking> StoreBacking::open(const StoreConfig& config) {
  std::unique_ptr<StoreBacking> b(new StoreBacking());
  for (const auto ttl : {config.get_url_ttl, config.put_url_ttl})
    if (ttl < kMinUrlExpiry || ttl > kMaxUrlExpiry)
      fail(ErrorCode::InvalidArgument,
           "presigned URL lifetime of " + std::to_string(ttl.count()) +
               " s is out of range: " + std::to_string(kMinUrlExpiry.count()) + " to " +
               std::to_string(kMaxUrlExpiry.count()) + " seconds (7 days)");
  b->get_ttl_ = config.get_url_ttl;
  b->put_ttl_ = config.put_url_ttl;
  b->client_ = open_client(config, b->url_);
  b->client_->check_bucket();
  if (auto m = read_manifest(*b->client_, b->url_.prefix)) {
    b->manifest_ = std::move(*m);
    b->catalog_ = load_catalog(*b->client_, b->url_.prefix, b->manifest_);
  }
  return b;
}

std::string StoreBacking::describe() const {
  return "s3://" + url_.bucket + "/" + url_.prefix + " at " + client_->options().endpoint;
}

std::vector<Digest> StoreBacking::missing(std::span<const Digest> ids) const {
  std::shared_lock lock(mu_);
  std::vector<Digest> out;
  std::unordered_set<Digest> seen;
  for (const Digest& id : ids)
    if (catalog_.find(id) == nullptr && seen.insert(id).second) out.push_back(id);
  return out;
}

ChunkLocations StoreBacking::locate(std::span<const Digest> ids) const {
  std::shared_lock lock(mu_);
  return locate_in(catalog_, *client_, url_.prefix, ids, get_ttl_);
}

std::string StoreBacking::incoming_key(const std::string& session, const Digest& pack,
                                       bool index) const {
  return url_.prefix + "incoming/" + session + "/" + pack.hex() + (index ? ".idx" : ".pack");
}

protocol::UploadReply StoreBacking::grant(const protocol::UploadRequest& request) {
  for (const auto& p : request.packs)
    if (p.size == 0 || p.size > kMaxPackBytes || p.index_size > kMaxPackBytes)
      fail(ErrorCode::InvalidArgument, "upload of pack " + p.pack.short_hex() +
                                           ": size out of range (at most " +
                                           std::to_string(kMaxPackBytes) + " bytes)");
  const auto now = std::chrono::system_clock::now();
  protocol::UploadReply reply;
  {
    std::unique_lock lock(mu_);
    // Forget abandoned sessions: those not granted anything for an hour past their URLs'
    // expiry (at least; a short --presign-ttl must not end a slow push's session).
    const auto keep = std::max(put_ttl_, kPutUrlExpiry);
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second.expires + keep < now ? sessions_.erase(it) : std::next(it);
    if (request.session.empty()) {
      reply.session = random_session_id();
      sessions_[reply.session].expires = now + put_ttl_;
    } else {
      if (sessions_.count(request.session) == 0)
        fail(ErrorCode::InvalidArgument,
             "upload session " + request.session + " is unknown or expired; push again");
      reply.session = request.session;
    }
    Session& s = sessions_[reply.session];
    s.packs.insert(s.packs.end(), request.packs.begin(), request.packs.end());
    s.expires = now + put_ttl_;
  }
  for (const auto& p : request.packs)
    reply.urls.push_back(
        {client_->presign(s3::Method::Put, incoming_key(reply.session, p.pack, false), put_ttl_,
                          now),
         client_->presign(s3::Method::Put, incoming_key(reply.session, p.pack, true), put_ttl_,
                          now)});
  return reply;
}

std::vector<PackIndex> StoreBacking::verify_session(const std::string& session) {
  std::vector<PackUpload> packs;
  {
    std::shared_lock lock(mu_);
    const auto it = sessions_.find(session);
    if (it == sessions_.end())
      fail(ErrorCode::Remote, "upload session " + session + " is unknown or expired; push again");
    packs = it->second.packs;
  }
  std::vector<PackIndex> out;
  std::unordered_set<Digest> done;
  for (const auto& p : packs) {
    if (!done.insert(p.pack).second) continue;
    const std::string idx_key = incoming_key(session, p.pack, true);
    const std::string what = "pushed pack " + p.pack.short_hex();
    auto idx = client_->get(idx_key);
    if (!idx)
      fail(ErrorCode::Remote, what +
                                  ": its index was not uploaded (the push broke off?); nothing "
                                  "was applied, push again");
    PackIndex index = decode_index(*idx, what + " index");
    if (index.pack != p.pack || index.size != p.size)
      fail(ErrorCode::Corrupt, what + ": the uploaded index names another pack or size");
    bool known = false;
    {
      std::shared_lock lock(mu_);
      known = catalog_.has_pack(p.pack);
    }
    const std::string final_key = data_key(url_.prefix, p.pack);
    if (!known) {
      // The final key was never in a URL a client had: what we verify there stays as verified.
      try {
        client_->copy(incoming_key(session, p.pack, false), final_key);
      } catch (const s3::S3Error& e) {
        if (e.problem() != s3::Problem::NoSuchKey) throw;
        fail(ErrorCode::Remote, what +
                                    " was not uploaded (the push broke off?); nothing was "
                                    "applied, push again");
      }
      const auto info = client_->head(final_key);
      if (!info || info->size != index.size)
        fail(ErrorCode::Corrupt, what + ": " + std::to_string(info ? info->size : 0) +
                                     " bytes uploaded, its index says " +
                                     std::to_string(index.size));
      std::vector<PackEntry> by_offset = index.entries;
      std::sort(by_offset.begin(), by_offset.end(),
                [](const PackEntry& a, const PackEntry& b) { return a.offset < b.offset; });
      for (std::size_t i = 0; i < by_offset.size();) {
        const std::uint64_t base = by_offset[i].offset;
        std::uint64_t end = base + by_offset[i].stored_size;
        std::size_t j = i + 1;
        while (j < by_offset.size() &&
               by_offset[j].offset + by_offset[j].stored_size - base <= kMaxRange) {
          end = std::max(end, by_offset[j].offset + by_offset[j].stored_size);
          ++j;
        }
        const Bytes part = end > base ? client_->get_range(final_key, base, end - base) : Bytes{};
        verify_entries(std::span<const PackEntry>(by_offset).subspan(i, j - i), base, part, what);
        i = j;
      }
    }
    out.push_back(std::move(index));
  }
  return out;
}

void StoreBacking::add_packs(const std::vector<PackIndex>& packs) {
  for (const auto& index : packs) {
    {
      std::shared_lock lock(mu_);
      if (catalog_.has_pack(index.pack)) continue;
    }
    client_->put(index_key(url_.prefix, index.pack), encode_index(index));
    std::unique_lock lock(mu_);
    catalog_.add(index);
    manifest_.data.push_back(index.pack);
  }
}

void StoreBacking::publish(ByteView history_pack, const RefList& refs) {
  Manifest m;
  {
    std::shared_lock lock(mu_);
    m = manifest_;
  }
  if (!history_pack.empty()) {
    const Digest name = digest_of(history_pack);
    if (std::find(m.history.begin(), m.history.end(), name) == m.history.end()) {
      client_->put(history_key(url_.prefix, name), history_pack);
      m.history.push_back(name);
    }
  }
  m.head = refs.head;
  m.branches = refs.branches;
  m.tags = refs.tags;
  client_->put(manifest_key(url_.prefix), as_bytes(encode_manifest(m)));
  std::unique_lock lock(mu_);
  manifest_.history = m.history;
  manifest_.head = m.head;
  manifest_.branches = m.branches;
  manifest_.tags = m.tags;
}

void StoreBacking::end_session(const std::string& session) noexcept {
  std::vector<PackUpload> packs;
  {
    std::unique_lock lock(mu_);
    const auto it = sessions_.find(session);
    if (it == sessions_.end()) return;
    packs = std::move(it->second.packs);
    sessions_.erase(it);
  }
  for (const auto& p : packs) {
    try {
      client_->remove(incoming_key(session, p.pack, false));
      client_->remove(incoming_key(session, p.pack, true));
    } catch (const std::exception&) {  // gc removes what is left
    }
  }
}

}  // namespace hangar::remote::store

namespace hangar::remote::store {

GcReport StoreBacking::gc(const std::unordered_set<Digest>& live, const RefList& refs,
                          std::chrono::seconds grace) {
  GcReport report;
  const auto now = std::chrono::system_clock::now();
  std::unordered_set<Digest> live_packs, leased;
  std::unordered_set<std::string> open_sessions;
  Catalog catalog;
  Manifest manifest;
  {
    std::shared_lock lock(mu_);
    const auto by_pack = catalog_.chunks_by_pack();
    for (std::uint32_t p = 0; p < catalog_.packs().size(); ++p)
      for (const Digest& id : by_pack[p])
        if (live.count(id) != 0) {
          live_packs.insert(catalog_.packs()[p]);
          break;
        }
    for (const auto& [id, session] : sessions_) {
      open_sessions.insert(id);
      for (const auto& p : session.packs) leased.insert(p.pack);
    }
    manifest = manifest_;
  }
  report.packs_live = live_packs.size();
  // Which objects go: listed, so that packs no manifest names (a push that verified and then
  // lost its race) go too.
  struct Doomed {
    Digest pack;
    std::vector<std::string> keys;
    std::uint64_t bytes = 0;
  };
  std::map<Digest, Doomed> doomed;
  std::unordered_set<Digest> young;
  for (const auto& o : client_->list(data_prefix(url_.prefix))) {
    const std::string name = o.key.substr(data_prefix(url_.prefix).size());
    const auto dot = name.find('.');
    const auto pack = Digest::from_hex(name.substr(0, dot));
    if (!pack || dot != 2 * Digest::kSize) continue;  // not ours: leave it
    if (live_packs.count(*pack) != 0) continue;
    if (leased.count(*pack) != 0) {
      if (name.ends_with(".pack")) ++report.packs_kept_session;
      continue;
    }
    if (o.last_modified + grace > now) {
      young.insert(*pack);
      continue;
    }
    Doomed& d = doomed[*pack];
    d.pack = *pack;
    d.keys.push_back(o.key);
    d.bytes += o.size;
  }
  for (const Digest& p : young) {
    doomed.erase(p);  // a pack and its index go together
    ++report.packs_kept_young;
  }
  // 1. The manifest and the catalog forget the doomed packs; 2. then they are deleted.
  if (!doomed.empty()) {
    manifest.data.erase(std::remove_if(manifest.data.begin(), manifest.data.end(),
                                       [&](const Digest& p) { return doomed.count(p) != 0; }),
                        manifest.data.end());
    manifest.head = refs.head;
    manifest.branches = refs.branches;
    manifest.tags = refs.tags;
    client_->put(manifest_key(url_.prefix), as_bytes(encode_manifest(manifest)));
    std::unique_lock lock(mu_);
    Catalog rebuilt;
    const auto by_pack = catalog_.chunks_by_pack();
    for (std::uint32_t p = 0; p < catalog_.packs().size(); ++p) {
      if (doomed.count(catalog_.packs()[p]) != 0) continue;
      PackIndex index;  // rebuilt from the catalog's own entries
      index.pack = catalog_.packs()[p];
      for (const Digest& id : by_pack[p]) {
        const Catalog::Loc* loc = catalog_.find(id);
        index.entries.push_back(
            {id, loc->codec, loc->raw_size, loc->stored_size, loc->offset, loc->checksum});
      }
      rebuilt.add(index);
    }
    catalog_ = std::move(rebuilt);
    manifest_.data = manifest.data;
    manifest_.head = manifest.head;
    manifest_.branches = manifest.branches;
    manifest_.tags = manifest.tags;
  }
  for (const auto& [pack, d] : doomed) {
    for (const auto& key : d.keys) client_->remove(key);
    ++report.packs_deleted;
    report.bytes_deleted += d.bytes;
  }
  // Leftover upload keys of sessions that are closed, once old enough.
  for (const auto& o : client_->list(url_.prefix + "incoming/")) {
    const std::string rest = o.key.substr(url_.prefix.size() + 9);
    const std::string session = rest.substr(0, rest.find('/'));
    if (open_sessions.count(session) != 0 || o.last_modified + grace > now) continue;
    client_->remove(o.key);
    ++report.uploads_deleted;
  }
  return report;
}

}  // namespace hangar::remote::store
