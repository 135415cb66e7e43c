// Chunk codecs: zstd when it pays, raw otherwise, zstd-delta for image-like chunks; corrupt
// input is Corrupt, unknown codecs Unsupported.
#include <hangar/base/codec.h>
#include <hangar/error.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "delta_filter.h"

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

TEST_CASE("Codec: compressible data round-trips through zstd", "[base][codec]") {
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

TEST_CASE("Codec: incompressible and tiny data stay raw", "[base][codec]") {
  const Bytes raw = random_bytes(50000, 7);
  EncodedChunk c = encode_chunk(raw, 3);
  CHECK(c.codec == ChunkCodec::Raw);
  CHECK(c.stored == raw);
  EncodedChunk empty = encode_chunk({}, 3);
  CHECK(empty.codec == ChunkCodec::Raw);
  CHECK(empty.stored.empty());
  // SHA-256 of no bytes (FIPS 180-4; `sha256sum < /dev/null`).
  CHECK(empty.digest.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Bytes none;
  decode_chunk(empty.codec, empty.stored, none);
  CHECK(codec_name(c.codec) == "raw");
}

TEST_CASE("Codec: truncated or bit-flipped zstd throws Corrupt", "[base][codec]") {
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

TEST_CASE("Codec: chunks over 64 MiB are rejected", "[base][codec]") {
  Bytes big(kMaxChunkBytes + 1);
  try {
    encode_chunk(big, 1);
    FAIL("expected InvalidArgument");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
  }
  CHECK(decode_error(ChunkCodec::Raw, big, big.size()) == ErrorCode::InvalidArgument);
}

TEST_CASE("Codec: unknown codec bytes are Unsupported", "[base][codec]") {
  CHECK(codec_from_byte(1) == ChunkCodec::Zstd);
  try {
    codec_from_byte(7);
    FAIL("expected Unsupported");
  } catch (const hangar::Error& e) {
    CHECK(e.code() == ErrorCode::Unsupported);
  }
}

TEST_CASE("Codec: encode and decode are safe from several threads", "[base][codec]") {
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

// ---- zstd-delta (docs/format/location.md, "Chunk codecs") ----------------------------------

namespace {
// A photo-like image [h, w, c] of element_size-byte values: a gradient plus a little noise.
Bytes image(std::size_t h, std::size_t w, std::size_t c, unsigned element_size, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(h * w * c * element_size);
  std::size_t at = 0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t ch = 0; ch < c; ++ch) {
        const unsigned v = static_cast<unsigned>(40 * ch + 2 * x + 3 * y + rng() % 5);
        for (unsigned k = 0; k < element_size; ++k, ++at)
          b[at] = static_cast<std::byte>((element_size == 2 ? v * 37 : v) >> (8 * k));
      }
  return b;
}

// The predictor as the format describes it, one element at a time.
Bytes reference_residuals(const Bytes& x, unsigned e, unsigned stride, std::uint32_t row) {
  Bytes r(x.size());
  const std::size_t n = x.size() / e;
  auto get = [&](std::size_t i) {
    return e == 1
               ? std::to_integer<unsigned>(x[i])
               : std::to_integer<unsigned>(x[2 * i]) | std::to_integer<unsigned>(x[2 * i + 1]) << 8;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t in_row = i % row;
    const unsigned pred = in_row >= stride ? get(i - stride) : (i >= row ? get(i - row) : 0);
    const unsigned v = (get(i) - pred) & (e == 1 ? 0xFFu : 0xFFFFu);
    for (unsigned k = 0; k < e; ++k) r[i * e + k] = static_cast<std::byte>(v >> (8 * k));
  }
  return r;
}
}  // namespace

TEST_CASE("Codec: the delta predictor matches its definition at every length and stride",
          "[base][codec]") {
  const unsigned e = GENERATE(1u, 2u);
  const unsigned stride = GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 8u, 16u);
  const std::uint32_t row = stride * GENERATE(1u, 3u, 7u, 64u);
  for (std::size_t elements = 0; elements <= 3 * row + 40; ++elements) {
    const Bytes x = random_bytes(elements * e, static_cast<unsigned>(elements));
    Bytes r(x.size());
    hangar::storage::detail::delta_encode(x.data(), r.data(), x.size(), e, stride, row);
    REQUIRE(r == reference_residuals(x, e, stride, row));
    hangar::storage::detail::delta_decode(r.data(), r.size(), e, stride, row);
    REQUIRE(r == x);
  }
}

TEST_CASE("Codec: image-like chunks round-trip through zstd-delta, smaller than zstd",
          "[base][codec]") {
  const unsigned e = GENERATE(1u, 2u);
  const std::size_t c = GENERATE(1u, 3u, 4u);
  const Bytes raw = image(48, 40, c, e, 3);
  const DeltaFilter filter{static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(c),
                           static_cast<std::uint32_t>(40 * c)};
  const EncodedChunk d = encode_chunk(raw, 3, filter);
  const EncodedChunk z = encode_chunk(raw, 3);
  CHECK(d.codec == ChunkCodec::ZstdDelta);
  CHECK(codec_name(d.codec) == "zstd-delta");
  CHECK(d.digest == z.digest);
  CHECK(d.stored.size() < z.stored.size());
  Bytes out(raw.size());
  decode_chunk(d.codec, d.stored, out);
  CHECK(out == raw);
  // Deterministic: the same input gives the same bytes.
  CHECK(encode_chunk(raw, 3, filter).stored == d.stored);
}

TEST_CASE("Codec: zstd-delta keeps whichever of delta and plain zstd is smaller when both pay",
          "[base][codec]") {
  // A tiled image: plain zstd finds the repeats; residuals compress well too (< 1/3), so both
  // are tried and the smaller kept.
  Bytes raw(64 * 64 * 4);
  std::mt19937 rng(5);
  Bytes tile(16 * 4);
  for (auto& t : tile) t = static_cast<std::byte>(rng() & 0xFF);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = tile[i % tile.size()];
  const EncodedChunk best = encode_chunk(raw, 3, DeltaFilter{1, 4, 256});
  const EncodedChunk plain = encode_chunk(raw, 3);
  CHECK(best.stored.size() <= plain.stored.size());
  Bytes out(raw.size());
  decode_chunk(best.codec, best.stored, out);
  CHECK(out == raw);
  // Noise stays raw even with a filter.
  const Bytes noise = random_bytes(5000, 9);
  CHECK(encode_chunk(noise, 3, DeltaFilter{1, 3, 300}).codec == ChunkCodec::Raw);
}

TEST_CASE(
    "Codec: every strict prefix and every bit flip of a zstd-delta chunk is Corrupt or "
    "a different image, never a crash",
    "[base][codec]") {
  const Bytes raw = image(24, 20, 3, 1, 7);
  const EncodedChunk c = encode_chunk(raw, 3, DeltaFilter{1, 3, 60});
  REQUIRE(c.codec == ChunkCodec::ZstdDelta);
  for (std::size_t n = 0; n < c.stored.size(); ++n) {
    const hangar::ByteView prefix(c.stored.data(), n);
    REQUIRE(decode_error(ChunkCodec::ZstdDelta, prefix, raw.size()) == ErrorCode::Corrupt);
  }
  int undetected = 0;
  for (std::size_t at = 0; at < c.stored.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = c.stored;
      flipped[at] ^= static_cast<std::byte>(1 << bit);
      Bytes out(raw.size());
      try {
        decode_chunk(ChunkCodec::ZstdDelta, flipped, out);
        // zstd frames carry no checksum: readers re-hash, so a wrong image is caught there.
        undetected += out == raw ? 0 : 1;
      } catch (const hangar::Error& e) {
        REQUIRE(e.code() == ErrorCode::Corrupt);
      }
    }
  }
  CHECK(undetected < static_cast<int>(c.stored.size()) * 8);
  // Header fields out of range.
  for (auto [at, value] : {std::pair{0, 0}, {0, 3}, {1, 0}, {2, 2}}) {
    Bytes bad = c.stored;
    bad[at] = static_cast<std::byte>(value);
    if (at == 2) bad[3] = bad[4] = bad[5] = std::byte{0};  // row 2 < stride 3
    CHECK(decode_error(ChunkCodec::ZstdDelta, bad, raw.size()) == ErrorCode::Corrupt);
  }
  // A 2-byte-element chunk decoded into an odd number of bytes.
  const Bytes wide = image(8, 8, 1, 2, 1);
  const EncodedChunk w = encode_chunk(wide, 3, DeltaFilter{2, 1, 8});
  if (w.codec == ChunkCodec::ZstdDelta)
    CHECK(decode_error(ChunkCodec::ZstdDelta, w.stored, wide.size() - 1) == ErrorCode::Corrupt);
}

TEST_CASE("Codec: unknown codecs and bad filters are refused", "[base][codec]") {
  CHECK(codec_from_byte(2) == ChunkCodec::ZstdDelta);
  CHECK(is_known_codec(2));
  CHECK_FALSE(is_known_codec(3));
  for (std::uint8_t v : {3, 200, 255}) {
    try {
      codec_from_byte(v);
      FAIL("expected Unsupported");
    } catch (const hangar::Error& e) {
      CHECK(e.code() == ErrorCode::Unsupported);
    }
  }
  const Bytes raw = image(8, 8, 3, 1, 2);
  CHECK(decode_error(static_cast<ChunkCodec>(3), raw, raw.size()) == ErrorCode::Corrupt);
  for (DeltaFilter bad : {DeltaFilter{3, 1, 8}, DeltaFilter{1, 0, 8}, DeltaFilter{1, 4, 3}}) {
    try {
      encode_chunk(raw, 3, bad);
      FAIL("expected InvalidArgument");
    } catch (const hangar::Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
    }
  }
}

TEST_CASE("Codec: stated_raw_size reads the size a stored chunk claims from its header only",
          "[base][codec]") {
  const Bytes raw = compressible(100000);
  const EncodedChunk z = encode_chunk(raw, 3);
  REQUIRE(z.codec == ChunkCodec::Zstd);
  CHECK(stated_raw_size(ChunkCodec::Zstd, z.stored) == std::optional<std::uint64_t>(100000));
  CHECK(stated_raw_size(ChunkCodec::Raw, raw) == std::optional<std::uint64_t>(100000));
  // A delta chunk states its size after its header of kDeltaHeaderSize bytes.
  Bytes image(64 * 64 * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::byte>((i / 3) % 64);
  const EncodedChunk d = encode_chunk(image, 3, DeltaFilter{1, 3, 64 * 3});
  REQUIRE(d.codec == ChunkCodec::ZstdDelta);
  CHECK(stated_raw_size(ChunkCodec::ZstdDelta, d.stored) ==
        std::optional<std::uint64_t>(image.size()));
  CHECK_FALSE(stated_raw_size(ChunkCodec::ZstdDelta,
                              hangar::ByteView(d.stored).first(kDeltaHeaderSize - 1)));
  // Not a frame, or a frame read as a delta chunk (its first bytes taken for the header).
  CHECK_FALSE(stated_raw_size(ChunkCodec::Zstd, random_bytes(64, 3)));
  CHECK_FALSE(stated_raw_size(ChunkCodec::ZstdDelta, z.stored));
  CHECK_FALSE(stated_raw_size(ChunkCodec::Zstd, {}));
}

TEST_CASE("Codec: compress_frame keeps a frame only when it is smaller than asked",
          "[base][codec]") {
  const Bytes raw = compressible(100000);
  Bytes frame;
  REQUIRE(compress_frame(raw, 3, raw.size(), frame));
  CHECK(frame.size() < raw.size() / 10);
  Bytes out(raw.size());
  decode_chunk(ChunkCodec::Zstd, frame, out);
  CHECK(out == raw);
  // The same frame is not smaller than its own size, nor is random data smaller than itself.
  const std::size_t size = frame.size();
  CHECK_FALSE(compress_frame(raw, 3, size, frame));
  CHECK(compress_frame(raw, 3, size + 1, frame));
  CHECK(frame.size() == size);
  const Bytes noise = random_bytes(50000, 9);
  CHECK_FALSE(compress_frame(noise, 3, noise.size(), frame));
  CHECK_FALSE(compress_frame(raw, 3, 0, frame));
}
