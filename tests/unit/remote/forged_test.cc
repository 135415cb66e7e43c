// Tamper-proof addresses: a chunk whose bytes do not match its SHA-256 address is
// refused wherever bytes come in from outside -- by a server receiving a push (HTTP and a path
// remote), and by a client fetching, cloning or reading lazily from a remote that lies -- and
// nothing of it is stored or moved. The forged packs are well formed (framing, sizes, trailer
// checksum all valid, the chunk decodes): only re-hashing the bytes can catch them.
#include <hangar/remote/lazy_fetch.h>
#include <hangar/remote/operations.h>

#include <fstream>
#include <set>

#include "push_test_util.h"

namespace hangar::remote::test {
namespace {

// Re-frames a pack, record by record, replacing the stored bytes of every chunk in `targets`
// with other bytes of the same size (one byte changed). The result is a valid pack.
class Forger final : public RecordHandler {
 public:
  explicit Forger(const std::set<Digest>& targets) : targets_(targets) {}
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    writer_.add_object(type, id, canonical);
  }
  void on_chunk(const transfer::StoredChunk& c) override {
    Bytes bytes(c.stored.begin(), c.stored.end());
    if (targets_.count(c.id) != 0) {
      REQUIRE(c.codec == storage::ChunkCodec::Raw);  // still decodes: only the digest differs
      REQUIRE(!bytes.empty());
      bytes[bytes.size() / 2] ^= std::byte{0x5a};
      ++forged;
    }
    writer_.add_chunk({c.id, c.codec, c.raw_size, bytes});
  }
  Bytes finish() {
    writer_.finish();
    return Bytes(writer_.pending().begin(), writer_.pending().end());
  }
  int forged = 0;

 private:
  const std::set<Digest>& targets_;
  PackWriter writer_;
};

Bytes forge(ByteView pack, const std::set<Digest>& targets, int* forged = nullptr) {
  Forger f(targets);
  PackReader reader("honest pack", f);
  reader.write(pack);
  reader.finish();
  if (forged) *forged += f.forged;
  return f.finish();
}

// Collects what a transport sends into a sink, to forge it before passing it on.
struct BufferSink final : PackSink {
  Bytes bytes;
  void write(ByteView b) override { bytes.insert(bytes.end(), b.begin(), b.end()); }
};

// A remote that lies about the chunks in `targets` (and passes everything else on as it is).
struct Lies {
  std::set<Digest> targets;
  int forged = 0;
};

class LyingTransport final : public Transport {
 public:
  LyingTransport(std::unique_ptr<Transport> inner, Lies& lies)
      : inner_(std::move(inner)), lies_(lies) {}
  const std::string& url() const override { return inner_->url(); }
  ServerInfo handshake() override { return inner_->handshake(); }
  RefList list_refs() override { return inner_->list_refs(); }
  void fetch_history(const HistoryRequest& r, PackSink& sink) override {
    inner_->fetch_history(r, sink);
  }
  void fetch_chunks(std::span<const Digest> ids, PackSink& sink) override {
    BufferSink honest;
    inner_->fetch_chunks(ids, honest);
    sink.write(forge(honest.bytes, lies_.targets, &lies_.forged));
  }
  std::vector<Digest> missing_chunks(std::span<const Digest> ids) override {
    return inner_->missing_chunks(ids);
  }
  PushReply push(std::span<const RefUpdate> updates, PackSource& pack) override {
    return inner_->push(updates, pack);
  }
  std::uint64_t bytes_received() const override { return inner_->bytes_received(); }
  std::uint64_t bytes_sent() const override { return inner_->bytes_sent(); }

 private:
  std::unique_ptr<Transport> inner_;
  Lies& lies_;
};

class LieScope {
 public:
  explicit LieScope(Lies& lies) {
    set_transport_wrapper_for_testing([&lies](std::unique_ptr<Transport> t) {
      return std::unique_ptr<Transport>(new LyingTransport(std::move(t), lies));
    });
  }
  ~LieScope() { set_transport_wrapper_for_testing({}); }
  LieScope(const LieScope&) = delete;
  LieScope& operator=(const LieScope&) = delete;
};

std::vector<Digest> chunks_at(const fs::path& root, const std::string& column, std::uint64_t key) {
  Repository repo = Repository::open(root, Mode::Read);
  const auto ref = repo.checkout_at(*repo.head()).find(column, key_of(key));
  REQUIRE(ref);
  transfer::HistoryReader history(repo);
  return history.sample_chunks(ref->sample);
}

// Whether a push whose chunk t.new_chunks[1] has forged bytes is refused, naming that chunk.
bool forged_push_refused(Transport& transport, PushSetup& t) {
  REQUIRE(t.new_chunks.size() == 2);
  const Digest target = t.new_chunks[1];
  const std::set<Digest> targets = {target};
  int forged = 0;
  Bytes pack = forge(t.honest, targets, &forged);
  REQUIRE(forged == 1);
  // Nothing moved, no history stored, and never the forged bytes under the target's address.
  const Error e = refused_push(transport, t, std::move(pack));
  CHECK_FALSE(holds_chunk(t.src, target));
  UNSCOPED_INFO(e.what());
  return (e.code() == ErrorCode::Remote || e.code() == ErrorCode::Corrupt) &&
         std::string(e.what()).find("chunk " + target.hex() + ": digest mismatch") !=
             std::string::npos;
}

// After a refused forgery the honest push of the same digests is taken, and the remote then
// serves the real bytes: the forger could not plant its bytes under the real address.
TEST_CASE("Forged: a pushed chunk that does not match its address is refused by a server",
          "[remote][forged][http]") {
  PushSetup t("forged-push");
  over_http(t, [&](Transport& tr) { CHECK(forged_push_refused(tr, t)); });
  CHECK(honest_push_taken(t, false));
}

TEST_CASE("Forged: a pushed chunk that does not match its address is refused by a path remote",
          "[remote][forged]") {
  PushSetup t("forged-push");
  {
    auto transport = open_transport(t.src.string(), {});
    CHECK(forged_push_refused(*transport, t));
  }
  CHECK(honest_push_taken(t, true));
}

// `src` with kShape images 0..19; the remote lies about the chunk of key 7.
struct FetchSetup {
  StorageTempDir dir{"forged-fetch"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Digest base;
  Digest target;

  FetchSetup() {
    {
      Repository repo = create_repo(src);
      put_samples(repo, "images", 0, 20, 3, kShape);
      base = repo.commit("base");
    }
    const auto chunks = chunks_at(src, "images", 7);
    REQUIRE(chunks.size() == 1);
    target = chunks[0];
  }
  void clone_history_only() {
    CloneOptions co;
    co.url = src.string();
    co.dir = dst;
    co.data.none = true;
    clone(co);
  }
};

TEST_CASE("Forged: a fetched chunk that does not match its address is refused and not stored",
          "[remote][forged]") {
  FetchSetup t;
  t.clone_history_only();
  Lies lies;
  lies.targets = {t.target};
  LieScope scope(lies);
  const Snapshot before = snapshot_at(t.dst);
  {
    Repository repo = Repository::open(t.dst, Mode::Write);
    FetchDataOptions fo;
    fo.remote = "origin";
    const Error e = error_of([&] { fetch_data(repo, fo); });
    INFO(e.what());
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_THAT(e.what(), Catch::Contains("chunk " + t.target.hex() + ": digest mismatch"));
  }
  CHECK(lies.forged == 1);
  CHECK(snapshot_at(t.dst) == before);  // not even the 19 honest chunks of that pack
  CHECK_FALSE(holds_chunk(t.dst, t.target));
  CHECK(tmp_is_empty(t.dst));
  // The honest remote again: every sample arrives with its own bytes.
  lies.targets.clear();
  Repository repo = Repository::open(t.dst, Mode::Write);
  FetchDataOptions fo;
  fo.remote = "origin";
  CHECK(fetch_data(repo, fo).stats.chunks == 20);
  Repository src = Repository::open(t.src, Mode::Read);
  CHECK(repo.checkout_at(t.base).get("images", key_of(7)) ==
        src.checkout_at(t.base).get("images", key_of(7)));
}

TEST_CASE("Forged: a clone from a remote that forges a chunk fails and leaves no folder",
          "[remote][forged]") {
  FetchSetup t;
  Lies lies;
  lies.targets = {t.target};
  LieScope scope(lies);
  CloneOptions co;
  co.url = t.src.string();
  co.dir = t.dst;
  const Error e = error_of([&] { clone(co); });
  INFO(e.what());
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains("chunk " + t.target.hex() + ": digest mismatch"));
  CHECK(lies.forged == 1);
  CHECK_FALSE(fs::exists(t.dst));
}

TEST_CASE("Forged: a lazy read of a forged chunk fails and stores nothing",
          "[remote][forged][lazy]") {
  FetchSetup t;
  {
    CloneOptions co;
    co.url = t.src.string();
    co.dir = t.dst;
    co.lazy = true;
    clone(co);
  }
  Lies lies;
  lies.targets = {t.target};
  LieScope scope(lies);
  Repository repo = Repository::open(t.dst, Mode::Read);
  REQUIRE(repo.lazy_fetch());
  const auto fetcher = enable_lazy_fetch(repo);
  REQUIRE(fetcher);
  const Checkout view = repo.checkout_at(t.base);
  const auto ref = view.find("images", key_of(7));
  REQUIRE(ref);
  const Error e = error_of([&] { view.read(*ref); });
  INFO(e.what());
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains(t.target.hex()));
  CHECK(lies.forged == 1);
  CHECK_FALSE(view.is_local(*ref));
  // Another sample, which the remote does not lie about, reads (and stays) fine.
  const auto other = view.find("images", key_of(8));
  REQUIRE(other);
  Repository src = Repository::open(t.src, Mode::Read);
  CHECK(view.read(*other) == src.checkout_at(t.base).get("images", key_of(8)));
}

}  // namespace
}  // namespace hangar::remote::test
