// Shared helpers for the remote unit tests: temporary repositories with seeded samples,
// snapshots that prove "left as it was", a pack collector, and a FailingTransport that cuts or
// corrupts streams and counts calls (STYLE 8.10).
#pragma once

#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/remote/transport.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pack.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

namespace hangar::remote::test {

namespace fs = std::filesystem;
using Mode = Repository::Mode;
using testing::StorageTempDir;

inline const UserIdentity kUser{"Remote Tester", "remote@example.org"};

inline Repository create_repo(const fs::path& root) {
  Repository::init(root, kUser);
  return Repository::open(root, Mode::Write);
}

inline ColumnSchema images_schema(std::string name = "images", Shape shape = {8, 8, 3},
                                  bool variable = false) {
  ColumnSchema s;
  s.name = std::move(name);
  s.dtype = DType::UInt8;
  s.shape = std::move(shape);
  s.variable_shape = variable;
  return s;
}

// A seeded random uint8 tensor (incompressible, so chunk sizes are predictable).
inline Tensor random_tensor(const Shape& shape, std::uint64_t seed) {
  Tensor t(DType::UInt8, shape);
  hangar::test::SplitMix64 rng(seed);
  for (auto& b : t.mutable_data()) b = static_cast<std::byte>(rng.next() & 0xFF);
  return t;
}

// Sample keys are zero-padded strings ("0017") so that key order is numeric order.
inline std::string key_name(std::uint64_t k) {
  std::string s = std::to_string(k);
  return std::string(s.size() < 4 ? 4 - s.size() : 0, '0') + s;
}
inline Key key_of(std::uint64_t k) { return Key(key_name(k)); }

// Stages tensors through one import (a few fsyncs for the batch instead of two per put).
inline void import_tensors(Repository& repo, const std::string& column,
                           const std::vector<std::pair<std::string, Tensor>>& items) {
  StorageTempDir files{"npy"};
  for (const auto& [name, t] : items) write_tensor_file(files / (name + ".npy"), t.view());
  ImportOptions o;
  o.column = column;
  o.path = files.path();
  import_files(repo, o);
}

// Stages samples key_of(first .. first + n) into `column` (created from the first file when
// missing), seeded random bytes of `shape`.
inline void put_samples(Repository& repo, const std::string& column, std::uint64_t first,
                        std::uint64_t n, std::uint64_t seed, const Shape& shape = {8, 8, 3}) {
  std::vector<std::pair<std::string, Tensor>> items;
  for (std::uint64_t k = first; k < first + n; ++k)
    items.emplace_back(key_name(k), random_tensor(shape, seed * 1000003 + k));
  import_tensors(repo, column, items);
}

// What a user can see of a repository: branches, remote branches, HEAD, remotes and, per
// column at HEAD, count and local count. Equal snapshots = "left as it was".
struct Snapshot {
  std::vector<std::pair<std::string, std::string>> refs;
  std::string head;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> columns;
  std::vector<std::string> remotes;
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot_of(const Repository& repo) {
  Snapshot s;
  for (const auto& b : repo.branches()) s.refs.emplace_back(b.name, b.commit.hex());
  for (const auto& b : transfer::remote_branches(repo)) s.refs.emplace_back(b.name, b.commit.hex());
  s.head = repo.current_branch();
  for (const auto& r : transfer::remotes(repo)) s.remotes.push_back(r.name + "=" + r.url);
  if (auto h = repo.head()) {
    Checkout view = repo.checkout_at(*h);
    for (const auto& c : view.column_names()) {
      const ColumnStats st = view.stats(c);
      s.columns[c] = {st.count, st.local_count};
    }
  }
  return s;
}

inline Snapshot snapshot_at(const fs::path& root) {
  return snapshot_of(Repository::open(root, Mode::Read));
}

// Collects verified records.
struct Collector final : RecordHandler {
  std::vector<std::pair<transfer::ObjectType, Digest>> objects;
  std::vector<Bytes> object_bytes;
  std::vector<Digest> chunks;
  std::vector<Bytes> chunk_bytes;
  void on_object(transfer::ObjectType type, const Digest& id, ByteView canonical) override {
    objects.emplace_back(type, id);
    object_bytes.emplace_back(canonical.begin(), canonical.end());
  }
  void on_chunk(const transfer::StoredChunk& c) override {
    chunks.push_back(c.id);
    chunk_bytes.emplace_back(c.stored.begin(), c.stored.end());
  }
};

// Drains a PackSource into one buffer.
inline Bytes drain(PackSource& source) {
  Bytes out;
  for (ByteView p = source.next(); !p.empty(); p = source.next())
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A Transport decorator (libgit2 fake backend / TileDB FailingFS): counts calls and bytes, and
// can cut a stream after `cut_after` bytes or flip bit 0 of byte `flip_at`.
struct Faults {
  std::optional<std::uint64_t> cut_after;  // stream ends early (connection drop)
  std::optional<std::uint64_t> flip_at;    // one bit flipped in transit
  bool history = true;                     // apply to fetch_history
  bool chunks = true;                      // apply to fetch_chunks
  int history_calls = 0;
  int chunk_calls = 0;
  std::uint64_t chunk_digests_asked = 0;
  std::uint64_t push_calls = 0;
};

class FailingTransport final : public Transport {
 public:
  FailingTransport(std::unique_ptr<Transport> inner, Faults& faults)
      : inner_(std::move(inner)), faults_(faults) {}
  const std::string& url() const override { return inner_->url(); }
  ServerInfo handshake() override { return inner_->handshake(); }
  RefList list_refs() override { return inner_->list_refs(); }
  void fetch_history(const HistoryRequest& r, PackSink& sink) override {
    ++faults_.history_calls;
    Faulty f(sink, faults_, faults_.history);
    inner_->fetch_history(r, f);
  }
  void fetch_chunks(std::span<const Digest> ids, PackSink& sink) override {
    ++faults_.chunk_calls;
    faults_.chunk_digests_asked += ids.size();
    Faulty f(sink, faults_, faults_.chunks);
    inner_->fetch_chunks(ids, f);
  }
  std::vector<Digest> missing_chunks(std::span<const Digest> ids) override {
    return inner_->missing_chunks(ids);
  }
  PushReply push(std::span<const RefUpdate> updates, PackSource& pack) override {
    ++faults_.push_calls;
    return inner_->push(updates, pack);
  }
  std::uint64_t bytes_received() const override { return inner_->bytes_received(); }
  std::uint64_t bytes_sent() const override { return inner_->bytes_sent(); }

 private:
  struct Faulty final : PackSink {
    Faulty(PackSink& s, Faults& f, bool on) : sink(s), faults(f), active(on) {}
    void write(ByteView b) override {
      if (!active) return sink.write(b);
      Bytes copy(b.begin(), b.end());
      for (std::size_t i = 0; i < copy.size(); ++i)
        if (faults.flip_at && seen + i == *faults.flip_at) copy[i] ^= std::byte{1};
      std::size_t n = copy.size();
      if (faults.cut_after)
        n = seen >= *faults.cut_after ? 0 : std::min<std::uint64_t>(n, *faults.cut_after - seen);
      seen += copy.size();
      if (n > 0) sink.write(ByteView(copy.data(), n));
    }
    PackSink& sink;
    Faults& faults;
    bool active;
    std::uint64_t seen = 0;
  };
  std::unique_ptr<Transport> inner_;
  Faults& faults_;
};

// Installs a FailingTransport around every transport for the scope of one test.
class FaultScope {
 public:
  explicit FaultScope(Faults& faults) {
    set_transport_wrapper_for_testing([&faults](std::unique_ptr<Transport> t) {
      return std::unique_ptr<Transport>(new FailingTransport(std::move(t), faults));
    });
  }
  ~FaultScope() { set_transport_wrapper_for_testing({}); }
  FaultScope(const FaultScope&) = delete;
  FaultScope& operator=(const FaultScope&) = delete;
};

}  // namespace hangar::remote::test
