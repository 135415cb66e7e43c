// ChunkVerifier: chunks verified on a second thread come out in the order they went in, all of
// them; a bad one is Corrupt naming its record, and nothing of its batch or after is handed on.
#include <hangar/storage/codec.h>

#include <cstring>
#include <random>

#include "chunk_verifier.h"
#include "remote_test_util.h"

namespace hangar::remote::test {
namespace {

struct Input {
  Bytes raw;
  Digest id;
};

// `n` chunks of `size` seeded random bytes (stored Raw), and one of 5 MiB (over a batch, so
// verified in place) at position `big_at`.
std::vector<Input> inputs(std::size_t n, std::size_t size, std::size_t big_at) {
  std::mt19937_64 rng(42);
  std::vector<Input> out;
  for (std::size_t i = 0; i < n; ++i) {
    Bytes raw(i == big_at ? (std::size_t{5} << 20) : size);
    for (auto& b : raw) b = static_cast<std::byte>(rng() & 0xFF);
    const Digest id = digest_of(raw);
    out.push_back({std::move(raw), id});
  }
  return out;
}

struct Received {
  std::vector<Digest> ids;
  std::vector<Bytes> bytes;
};

// Adds every input as records 1..n (pack record k is inputs[k - 1]), then drains.
void run(const std::vector<Input>& in, Received& got) {
  ChunkVerifier v("test", [&](const transfer::StoredChunk& c) {
    got.ids.push_back(c.id);
    got.bytes.emplace_back(c.stored.begin(), c.stored.end());
  });
  for (std::size_t i = 0; i < in.size(); ++i)
    v.add(i + 1, {in[i].id, storage::ChunkCodec::Raw, static_cast<std::uint32_t>(in[i].raw.size()),
                  in[i].raw});
  v.drain();
}

TEST_CASE("Chunk verifier: every chunk is handed on once verified and in arrival order",
          "[remote][pack]") {
  // 60 x 300 KB: four full batches of 4 MiB and a rest, with a 5 MiB chunk among them.
  const auto in = inputs(60, 300000, 31);
  Received got;
  run(in, got);
  REQUIRE(got.ids.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    CHECK(got.ids[i] == in[i].id);
    CHECK(got.bytes[i] == in[i].raw);
  }
}

TEST_CASE("Chunk verifier: a bad chunk is Corrupt naming its record and stops the hand-on",
          "[remote][pack]") {
  for (std::size_t bad : {2, 20, 31, 45, 59}) {
    auto in = inputs(60, 300000, 31);
    in[bad].raw[in[bad].raw.size() / 2] ^= std::byte{1};  // no longer matches its name
    Received got;
    const Error e = error_of([&] { run(in, got); });
    CHECK(e.code() == ErrorCode::Corrupt);
    const std::string what = e.what();
    CHECK(what.find("pack from test is corrupt: record " + std::to_string(bad + 1) + " (chunk " +
                    in[bad].id.hex()) == 0);
    CHECK(what.find("digest mismatch") != std::string::npos);
    // What was handed on is a prefix of the input that stops before the bad chunk.
    REQUIRE(got.ids.size() <= bad);
    for (std::size_t i = 0; i < got.ids.size(); ++i) CHECK(got.ids[i] == in[i].id);
  }
}

TEST_CASE("Chunk verifier: what the hand-on throws comes out of add or drain",
          "[remote][pack]") {
  const auto in = inputs(40, 300000, 1000);
  std::size_t handed = 0;
  ChunkVerifier v("test", [&](const transfer::StoredChunk&) {
    if (++handed == 3) fail(ErrorCode::Corrupt, "chunk not requested");
  });
  const Error e = error_of([&] {
    for (std::size_t i = 0; i < in.size(); ++i)
      v.add(i + 1, {in[i].id, storage::ChunkCodec::Raw,
                    static_cast<std::uint32_t>(in[i].raw.size()), in[i].raw});
    v.drain();
  });
  CHECK(std::string(e.what()) == "chunk not requested");
  CHECK(handed == 3);
}

}  // namespace
}  // namespace hangar::remote::test
