// JPEG decode/encode: round trips, CMYK, hostile headers, truncation, silence, threads.
#include "io/jpeg.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
// clang-format off
#include <jpeglib.h>
// clang-format on

#include "io_test_util.h"

namespace hangar::test {
namespace {

using io::decode_jpeg;
using io::encode_jpeg;

const Decoder kDecode = [](ByteView b) { decode_jpeg(b, "x.jpg"); };

double mean_abs_error(const Tensor& a, const Tensor& b) {
  REQUIRE(a.nbytes() == b.nbytes());
  double sum = 0;
  for (std::size_t i = 0; i < a.nbytes(); ++i)
    sum += std::abs(static_cast<int>(a.data()[i]) - static_cast<int>(b.data()[i]));
  return a.nbytes() ? sum / static_cast<double>(a.nbytes()) : 0;
}

// Offset of the first SOFn marker's height field.
std::size_t sof_dims_offset(const Bytes& jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i)
    if (jpeg[i] == std::byte{0xff} &&
        (jpeg[i + 1] == std::byte{0xc0} || jpeg[i + 1] == std::byte{0xc2}))
      return i + 5;
  FAIL("no SOF marker");
  return 0;
}

Bytes jpeg_claiming(std::uint16_t width, std::uint16_t height, bool color) {
  Bytes jpeg = encode_jpeg(make_photo_like(8, 8, color ? 3 : 0, 1).view(), 90, "seed");
  const std::size_t at = sof_dims_offset(jpeg);
  jpeg[at] = static_cast<std::byte>(height >> 8);
  jpeg[at + 1] = static_cast<std::byte>(height & 0xff);
  jpeg[at + 2] = static_cast<std::byte>(width >> 8);
  jpeg[at + 3] = static_cast<std::byte>(width & 0xff);
  return jpeg;
}

// A 4x4 CMYK JPEG written with plain libjpeg (default error handling is fine in a test).
Bytes cmyk_jpeg() {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = 4;
  cinfo.image_height = 4;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<unsigned char> row(16, 77);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes out(reinterpret_cast<std::byte*>(buf), reinterpret_cast<std::byte*>(buf) + size);
  std::free(buf);
  return out;
}

TEST_CASE("Jpeg: round-trip keeps shape and stays close to the pixels", "[core][jpeg]") {
  const std::uint64_t channels = GENERATE(0, 1, 3);
  const int quality = GENERATE(50, 90, 100);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> sizes = {
      {1, 1}, {8, 8}, {17, 31}, {64, 48}};
  for (auto [h, w] : sizes) {
    INFO(h << "x" << w << "x" << channels << " quality " << quality);
    const Tensor image = make_photo_like(h, w, channels, h + w);
    const Tensor back = decode_jpeg(encode_jpeg(image.view(), quality, "img"), "img.jpg");
    REQUIRE(back.dtype() == DType::UInt8);
    REQUIRE(back.shape() == (channels == 3 ? Shape{h, w, 3} : Shape{h, w}));
    // Chroma is subsampled 4:2:0, which costs the noisy test images a few levels per sample.
    const double limit = (quality == 100  ? 0.5
                          : quality == 90 ? 4.0
                                          : 6.0) +
                         (channels == 3 ? 5.0 : 0.0);
    REQUIRE(mean_abs_error(image, back) < limit);
    // Decoding is deterministic: the same file gives the same tensor.
    const Bytes file = encode_jpeg(back.view(), quality, "again");
    REQUIRE(decode_jpeg(file, "a.jpg") == decode_jpeg(file, "b.jpg"));
  }
}

TEST_CASE("Jpeg: flat gray images at quality 100 decode exactly", "[core][jpeg]") {
  const int level = GENERATE(0, 1, 128, 254, 255);
  Tensor image(DType::UInt8, {24, 40});
  for (std::byte& b : image.mutable_data()) b = static_cast<std::byte>(level);
  REQUIRE(decode_jpeg(encode_jpeg(image.view(), 100, "flat"), "flat.jpg") == image);
}

TEST_CASE("Jpeg: CMYK files are refused", "[core][jpeg]") {
  const Error e = error_of([] { decode_jpeg(cmyk_jpeg(), "print.jpg"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("'print.jpg'") && Catch::Contains("CMYK"));
}

TEST_CASE("Jpeg: every strict prefix is an error", "[core][jpeg]") {
  const Bytes gray = encode_jpeg(make_photo_like(8, 8, 0, 3).view(), 75, "g");
  const Bytes color = encode_jpeg(make_photo_rgb(64, 48, 4).view(), 90, "c");
  std::size_t tried = require_prefixes_fail(gray, kDecode);
  tried += require_prefixes_fail(color, kDecode, 700, 23);
  REQUIRE(tried > gray.size());
  const Error e = error_of([&] { decode_jpeg(ByteView(color).first(color.size() - 1), "t.jpg"); });
  REQUIRE_THAT(e.what(), Catch::Contains("premature end"));
}

TEST_CASE("Jpeg: a header claiming a huge size is refused before allocating", "[core][jpeg]") {
  Error e = error_of([] { decode_jpeg(jpeg_claiming(65500, 65500, true), "huge.jpg"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("'huge.jpg'") && Catch::Contains("2 GiB"));
  // 900 MB of gray is under the cap, but a file of a few hundred bytes cannot hold it.
  e = error_of([] { decode_jpeg(jpeg_claiming(30000, 30000, false), "bomb.jpg"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("impossible for a"));
}

TEST_CASE("Jpeg: random bit flips never crash", "[core][jpeg]") {
  const Bytes jpeg = encode_jpeg(make_photo_rgb(24, 32, 5).view(), 85, "flip");
  const std::size_t failures = flip_bits(jpeg, kDecode, 31, 200);
  REQUIRE(failures <= 200);
  REQUIRE(flip_bits(encode_jpeg(make_photo_like(8, 8, 0, 6).view(), 60, "g"), kDecode, 32, 200) <=
          200);
}

TEST_CASE("Jpeg: harmless warnings are ignored and nothing is printed", "[core][jpeg]") {
  const Tensor image = make_photo_rgb(16, 16, 7);
  const Bytes clean = encode_jpeg(image.view(), 90, "w");
  Bytes noisy = clean;  // junk between SOI and APP0: "3 extraneous bytes before marker 0xe0"
  const std::byte junk[] = {std::byte{1}, std::byte{2}, std::byte{3}};
  noisy.insert(noisy.begin() + 2, std::begin(junk), std::end(junk));

  std::fflush(stderr);
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink != nullptr);
  const int saved = dup(2);
  dup2(fileno(sink), 2);
  Tensor decoded;
  bool corrupt_failed = false;
  try {
    decoded = decode_jpeg(noisy, "noisy.jpg");
    decode_jpeg(ByteView(clean).first(clean.size() / 2), "cut.jpg");
  } catch (const Error&) {
    corrupt_failed = true;
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::fseek(sink, 0, SEEK_END);
  const long printed = std::ftell(sink);
  std::fclose(sink);
  REQUIRE(printed == 0);
  REQUIRE(corrupt_failed);
  REQUIRE(decoded == decode_jpeg(clean, "clean.jpg"));
}

TEST_CASE("Jpeg: encode refuses what JPEG cannot hold", "[core][jpeg]") {
  const std::vector<std::pair<DType, Shape>> bad = {
      {DType::UInt16, {4, 4}},   {DType::Float32, {4, 4}}, {DType::UInt8, {4, 4, 2}},
      {DType::UInt8, {4, 4, 4}}, {DType::UInt8, {0, 4}},   {DType::UInt8, {4}},
      {DType::UInt8, {1, 65501}}};
  for (const auto& [dtype, shape] : bad) {
    INFO(dtype_name(dtype) << " " << shape_to_string(shape));
    const Tensor t(dtype, shape);
    const Error e = error_of([&] { encode_jpeg(t.view(), 90, "images/k"); });
    REQUIRE(e.code() == ErrorCode::InvalidArgument);
    REQUIRE_THAT(e.what(), Catch::StartsWith("cannot write 'images/k' as JPEG: "));
  }
  const Tensor ok(DType::UInt8, {2, 2, 1});
  for (int quality : {0, 101, -5})
    REQUIRE(error_of([&] { encode_jpeg(ok.view(), quality, "q"); }).code() ==
            ErrorCode::InvalidArgument);
  REQUIRE(decode_jpeg(encode_jpeg(ok.view(), 100, "q"), "q.jpg").shape() == Shape{2, 2});
}

TEST_CASE("Jpeg: decoding from several threads at once gives the same pixels", "[core][jpeg]") {
  std::vector<Bytes> files;
  std::vector<Tensor> want;
  for (std::uint64_t i = 0; i < 4; ++i) {
    files.push_back(encode_jpeg(make_photo_like(30 + i, 20, i % 2 ? 3 : 0, i).view(), 80, "t"));
    want.push_back(decode_jpeg(files.back(), "t.jpg"));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round) {
        const std::size_t k = (t + static_cast<std::size_t>(round)) % 4;
        if (!(decode_jpeg(files[k], "t.jpg") == want[k])) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  REQUIRE(mismatches == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace hangar::test
