// PNG decode/encode: round trips, bit depths and palettes, hostile headers, truncation, threads.
#include "io/png.h"

#include <spng.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "io_test_util.h"

namespace hangar::test {
namespace {

using io::decode_png;
using io::encode_png;

const Decoder kDecode = [](ByteView b) { decode_png(b, "x.png"); };

// Written by Python's zlib + struct (not by libspng), so byte order is checked independently.
// 2x1 RGB, 16-bit: (1, 256, 65535), (4660, 0, 43981)
constexpr std::uint8_t kRgb16[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x10, 0x02, 0x00, 0x00, 0x00, 0x2b, 0xd0, 0x34,
    0x9e, 0x00, 0x00, 0x00, 0x15, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x60, 0x64, 0x64,
    0xf8, 0xff, 0x5f, 0xc8, 0x84, 0x81, 0x61, 0xf5, 0x59, 0x00, 0x12, 0xa6, 0x03, 0xbf, 0x52, 0x44,
    0xd5, 0xea, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
// 5x1 gray, 2-bit: 0, 1, 2, 3, 1
constexpr std::uint8_t kGray2Bit[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x79, 0x25, 0x23, 0x8e, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0x90, 0x76, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5c, 0x9c, 0xd0, 0x30, 0xf5,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

template <std::size_t N>
ByteView bytes_of(const std::uint8_t (&a)[N]) {
  return {reinterpret_cast<const std::byte*>(a), N};
}

std::vector<int> values_u8(const Tensor& t) {
  std::vector<int> v;
  for (std::byte b : t.data()) v.push_back(static_cast<int>(b));
  return v;
}

// Encodes PNG types encode_png never writes (palettes, low bit depths, interlacing) with libspng
// directly. `packed` holds rows as PNG stores them (sub-byte samples packed, MSB first).
Bytes spng_encode(spng_ihdr ihdr, ByteView packed, const spng_plte* plte = nullptr,
                  const spng_trns* trns = nullptr) {
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  REQUIRE(ctx != nullptr);
  REQUIRE(spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1) == 0);
  REQUIRE(spng_set_ihdr(ctx, &ihdr) == 0);
  if (plte) REQUIRE(spng_set_plte(ctx, const_cast<spng_plte*>(plte)) == 0);
  if (trns) REQUIRE(spng_set_trns(ctx, const_cast<spng_trns*>(trns)) == 0);
  REQUIRE(spng_encode_image(ctx, packed.data(), packed.size(), SPNG_FMT_PNG,
                            SPNG_ENCODE_FINALIZE) == 0);
  std::size_t len = 0;
  int rc = 0;
  void* buf = spng_get_png_buffer(ctx, &len, &rc);
  REQUIRE(rc == 0);
  Bytes out(static_cast<std::byte*>(buf), static_cast<std::byte*>(buf) + len);
  std::free(buf);
  spng_ctx_free(ctx);
  return out;
}

// One row of `width` samples of `depth` bits, packed MSB first.
Bytes pack_row(const std::vector<int>& samples, int depth) {
  Bytes row((samples.size() * static_cast<std::size_t>(depth) + 7) / 8);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::size_t bit = i * static_cast<std::size_t>(depth);
    const int shift = 8 - depth - static_cast<int>(bit % 8);
    row[bit / 8] |= static_cast<std::byte>(samples[i] << shift);
  }
  return row;
}

spng_ihdr make_ihdr(std::uint32_t w, std::uint32_t h, int depth, int color, int interlace = 0) {
  spng_ihdr ihdr{};
  ihdr.width = w;
  ihdr.height = h;
  ihdr.bit_depth = static_cast<std::uint8_t>(depth);
  ihdr.color_type = static_cast<std::uint8_t>(color);
  ihdr.interlace_method = static_cast<std::uint8_t>(interlace);
  return ihdr;
}

// Rewrites every chunk's CRC so corruption reaches the decoder's inner layers (zlib, filters).
void fix_crcs(Bytes& png) {
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    const std::uint32_t len = get_be32(png, at);
    if (len > png.size() - at - 12) return;
    const std::uint32_t crc = crc32(ByteView(png).subspan(at + 4, len + 4));
    for (int i = 0; i < 4; ++i)
      png[at + 8 + len + static_cast<std::size_t>(i)] = static_cast<std::byte>(crc >> (24 - 8 * i));
    at += 12 + len;
  }
}

// A small valid PNG whose IHDR claims width x height (CRC recomputed); the image data stays tiny.
Bytes png_claiming(std::uint32_t width, std::uint32_t height, int depth, int color) {
  Bytes png = encode_png(make_photo_like(1, 1, 0, 1).view(), "seed");
  Bytes ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  std::memcpy(png.data() + 16, ihdr.data(), 8);
  png[24] = static_cast<std::byte>(depth);
  png[25] = static_cast<std::byte>(color);
  fix_crcs(png);
  return png;
}

TEST_CASE("Png: round-trip over bit depths, channel counts and shapes", "[core][png]") {
  const DType dtype = GENERATE(DType::UInt8, DType::UInt16);
  const std::uint64_t channels = GENERATE(0, 1, 2, 3, 4);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> sizes = {
      {1, 1}, {1, 9}, {7, 5}, {33, 64}, {100, 3}};
  for (auto [h, w] : sizes) {
    INFO(dtype_name(dtype) << " " << h << "x" << w << "x" << channels);
    const Tensor image = make_photo_like(h, w, channels, h * 131 + w, dtype);
    const Tensor back = decode_png(encode_png(image.view(), "img"), "img.png");
    REQUIRE(back.dtype() == dtype);
    const Shape want = channels <= 1 ? Shape{h, w} : Shape{h, w, channels};  // [H,W,1] -> gray
    REQUIRE(back.shape() == want);
    REQUIRE(back.data().size() == image.data().size());
    REQUIRE(std::memcmp(back.data().data(), image.data().data(), image.nbytes()) == 0);
  }
}

TEST_CASE("Png: 16-bit samples come back in native byte order", "[core][png]") {
  const Tensor t = decode_png(bytes_of(kRgb16), "rgb16.png");
  REQUIRE(t.dtype() == DType::UInt16);
  REQUIRE(t.shape() == Shape{1, 2, 3});
  const std::uint16_t want[] = {1, 256, 65535, 4660, 0, 43981};
  for (int i = 0; i < 6; ++i) REQUIRE(t.as<std::uint16_t>()[i] == want[i]);
}

TEST_CASE("Png: low bit depths and palettes are expanded to 8 bits", "[core][png]") {
  const Tensor two = decode_png(bytes_of(kGray2Bit), "gray2.png");
  REQUIRE(two.shape() == Shape{1, 5});
  REQUIRE(values_u8(two) == std::vector<int>{0, 85, 170, 255, 85});

  const std::vector<int> samples = {0, 1, 1, 0, 1, 0, 0, 1, 1};  // crosses a byte boundary
  const Tensor one = decode_png(spng_encode(make_ihdr(9, 1, 1, 0), pack_row(samples, 1)), "g1");
  REQUIRE(values_u8(one) == std::vector<int>{0, 255, 255, 0, 255, 0, 0, 255, 255});
  const Tensor four =
      decode_png(spng_encode(make_ihdr(3, 1, 4, 0), pack_row({0, 7, 15}, 4)), "g4.png");
  REQUIRE(values_u8(four) == std::vector<int>{0, 119, 255});

  spng_plte plte{};
  plte.n_entries = 4;
  for (std::uint8_t i = 0; i < 4; ++i) plte.entries[i] = {i, std::uint8_t(10 * i), 200, 0};
  const Bytes palette2 = spng_encode(make_ihdr(3, 1, 2, 3), pack_row({3, 0, 2}, 2), &plte);
  const Tensor rgb = decode_png(palette2, "p2.png");
  REQUIRE(rgb.shape() == Shape{1, 3, 3});
  REQUIRE(values_u8(rgb) == std::vector<int>{3, 30, 200, 0, 0, 200, 2, 20, 200});

  spng_trns trns{};
  trns.n_type3_entries = 2;
  trns.type3_alpha[0] = 17;
  trns.type3_alpha[1] = 99;  // entries 2 and 3 stay opaque
  const Tensor rgba = decode_png(
      spng_encode(make_ihdr(3, 1, 8, 3), pack_row({1, 3, 0}, 8), &plte, &trns), "p8.png");
  REQUIRE(rgba.shape() == Shape{1, 3, 4});
  REQUIRE(values_u8(rgba) == std::vector<int>{1, 10, 200, 99, 3, 30, 200, 255, 0, 0, 200, 17});
}

TEST_CASE("Png: interlaced images and tRNS on RGB keep their samples", "[core][png]") {
  const Tensor image = make_photo_rgb(13, 11, 3);
  const Bytes interlaced = spng_encode(make_ihdr(11, 13, 8, 2, 1), image.data());
  REQUIRE(decode_png(interlaced, "adam7.png") == image);

  spng_trns trns{};
  trns.red = image.as<std::uint8_t>()[0];
  trns.green = image.as<std::uint8_t>()[1];
  trns.blue = image.as<std::uint8_t>()[2];
  const Bytes keyed = spng_encode(make_ihdr(11, 13, 8, 2), image.data(), nullptr, &trns);
  REQUIRE(decode_png(keyed, "trns.png") == image);  // tRNS ignored: still [H,W,3], same values
}

TEST_CASE("Png: every strict prefix is an error", "[core][png]") {
  const Bytes small = encode_png(make_photo_rgb(4, 5, 1).view(), "small");
  const Bytes big = encode_png(make_photo_rgb(64, 64, 2).view(), "big");
  std::size_t tried = require_prefixes_fail(small, kDecode);
  tried += require_prefixes_fail(bytes_of(kRgb16), kDecode);
  tried += require_prefixes_fail(bytes_of(kGray2Bit), kDecode);
  tried += require_prefixes_fail(big, kDecode, 256, 37);
  REQUIRE(tried > 300);
}

TEST_CASE("Png: a header claiming a huge size is refused before allocating", "[core][png]") {
  // 2^30 x 2^30 RGB: beyond every limit.
  Error e = error_of([] { decode_png(png_claiming(1u << 30, 1u << 30, 8, 2), "huge.png"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::StartsWith("cannot decode PNG 'huge.png': "));

  // 30000 x 30000 RGBA = 3.6 GB: over the 2 GiB image cap.
  e = error_of([] { decode_png(png_claiming(30000, 30000, 8, 6), "big.png"); });
  REQUIRE_THAT(e.what(), Catch::Contains("2 GiB"));

  // 20000 x 20000 gray = 400 MB: under the cap, but no ~100-byte file can inflate to that.
  e = error_of([] { decode_png(png_claiming(20000, 20000, 8, 0), "bomb.png"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("impossible for a") && Catch::Contains("'bomb.png'"));
}

TEST_CASE("Png: random bit flips never crash", "[core][png]") {
  const Bytes png = encode_png(make_photo_like(16, 16, 3, 4).view(), "flip");
  const std::size_t plain = flip_bits(png, kDecode, 11, 200);
  REQUIRE(plain > 150);  // nearly every flip breaks a CRC
  // With CRCs repaired the flips reach zlib, the filters and the IHDR checks.
  const std::size_t deep = flip_bits(png, kDecode, 12, 200, fix_crcs);
  REQUIRE(deep <= 200);
  REQUIRE(flip_bits(bytes_of(kGray2Bit), kDecode, 13, 200, fix_crcs) <= 200);
}

TEST_CASE("Png: encode refuses tensors PNG cannot hold", "[core][png]") {
  const std::vector<std::pair<DType, Shape>> bad = {
      {DType::Float32, {4, 4}}, {DType::Int16, {4, 4}},        {DType::UInt8, {4, 4, 5}},
      {DType::UInt8, {0, 4}},   {DType::UInt8, {4, 0, 3}},     {DType::UInt8, {16}},
      {DType::UInt8, {}},       {DType::UInt16, {2, 2, 2, 1}}, {DType::UInt8, {1, 16777217}}};
  for (const auto& [dtype, shape] : bad) {
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const Tensor t(dtype, shape);
    const Error e = error_of([&] { encode_png(t.view(), "images/k1"); });
    REQUIRE(e.code() == ErrorCode::InvalidArgument);
    REQUIRE_THAT(e.what(), Catch::StartsWith("cannot write 'images/k1' as PNG: ") &&
                               Catch::EndsWith("use --format npy"));
  }
}

TEST_CASE("Png: decoding from several threads at once gives the same pixels", "[core][png]") {
  std::vector<Tensor> images;
  std::vector<Bytes> files;
  for (std::uint64_t i = 0; i < 4; ++i) {
    images.push_back(make_photo_like(40 + i, 30, i + 1, i, i % 2 ? DType::UInt16 : DType::UInt8));
    files.push_back(encode_png(images.back().view(), "t"));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round) {
        const std::size_t k = (t + static_cast<std::size_t>(round)) % 4;
        const Tensor got = decode_png(files[k], "t.png");
        if (got.data().size() != images[k].nbytes() ||
            std::memcmp(got.data().data(), images[k].data().data(), images[k].nbytes()) != 0)
          ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  REQUIRE(mismatches == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace hangar::test
