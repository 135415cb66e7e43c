// Chunk codec: zstd when it pays, raw otherwise; corrupt input is Corrupt.
#include <hangar/error.h>
#include <hangar/storage/codec.h>

#include <catch2/catch.hpp>
#include <random>
#include <thread>
#include <vector>

using namespace hangar::storage;
using hangar::Bytes;
using hangar::ErrorCode;

namespace {
Bytes compressible(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i / 64) % 7);
  return b;
}
Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
  return b;
}
ErrorCode decode_error(ChunkCodec codec, hangar::ByteView stored, std::size_t out_size) {
  Bytes out(out_size);
  try {
    decode_chunk(codec, stored, out);
  } catch (const hangar::Error& e) {
    return e.code();
  }
  FAIL("expected decode_chunk to throw");
  return ErrorCode::Internal;
}
}  // namespace

TEST_CASE("Codec: compressible data round-trips through zstd", "[storage][codec]") {
  const Bytes raw = compressible(100000);
  EncodedChunk c = encode_chunk(raw, 3);
  CHECK(c.codec == ChunkCodec::Zstd);
  CHECK(c.raw_size == raw.size());
  CHECK(c.stored.size() < raw.size() / 10);
  CHECK(c.digest == hangar::digest_of(raw));
  Bytes out(raw.size());
  decode_chunk(c.codec, c.stored, out);
  CHECK(out == raw);
}

TEST_CASE("Codec: incompressible and tiny data stay raw", "[storage][codec]") {
  const Bytes raw = random_bytes(50000, 7);
  EncodedChunk c = encode_chunk(raw, 3);
  CHECK(c.codec == ChunkCodec::Raw);
  CHECK(c.stored == raw);
  EncodedChunk empty = encode_chunk({}, 3);
  CHECK(empty.codec == ChunkCodec::Raw);
  CHECK(empty.stored.empty());
  CHECK(empty.digest.hex() == "99aa06d3014798d86001c324468d497f");
  Bytes none;
  decode_chunk(empty.codec, empty.stored, none);
  CHECK(codec_name(c.codec) == "raw");
}

TEST_CASE("Codec: truncated or bit-flipped zstd throws Corrupt", "[storage][codec]") {
  const Bytes raw = compressible(20000);
  EncodedChunk c = encode_chunk(raw, 3);
  REQUIRE(c.codec == ChunkCodec::Zstd);
  Bytes truncated(c.stored.begin(), c.stored.end() - 5);
  CHECK(decode_error(ChunkCodec::Zstd, truncated, raw.size()) == ErrorCode::Corrupt);
  Bytes flipped = c.stored;
  flipped[0] ^= std::byte{0x01};  // frame magic
  CHECK(decode_error(ChunkCodec::Zstd, flipped, raw.size()) == ErrorCode::Corrupt);
  // A frame that decodes to a different size than recorded.
  CHECK(decode_error(ChunkCodec::Zstd, c.stored, raw.size() - 1) == ErrorCode::Corrupt);
  CHECK(decode_error(ChunkCodec::Zstd, c.stored, raw.size() + 1) == ErrorCode::Corrupt);
  CHECK(decode_error(ChunkCodec::Raw, raw, raw.size() + 1) == ErrorCode::Corrupt);
  CHECK(decode_error(ChunkCodec::Zstd, {}, 10) == ErrorCode::Corrupt);
}

TEST_CASE("Codec: chunks over 64 MiB are rejected", "[storage][codec]") {
  Bytes big(kMaxChunkBytes + 1);
  try {
    encode_chunk(big, 1);
    FAIL("expected InvalidArgument");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
  }
  CHECK(decode_error(ChunkCodec::Raw, big, big.size()) == ErrorCode::InvalidArgument);
}

TEST_CASE("Codec: unknown codec bytes are Unsupported", "[storage][codec]") {
  CHECK(codec_from_byte(1) == ChunkCodec::Zstd);
  try {
    codec_from_byte(7);
    FAIL("expected Unsupported");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == ErrorCode::Unsupported);
  }
}

TEST_CASE("Codec: encode and decode are safe from several threads", "[storage][codec]") {
  const Bytes raw = compressible(300000);
  const EncodedChunk expected = encode_chunk(raw, 3);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        EncodedChunk c = encode_chunk(raw, 3);
        Bytes out(raw.size());
        decode_chunk(c.codec, c.stored, out);
        if (c.stored == expected.stored && out == raw) ++ok[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 10));
}
