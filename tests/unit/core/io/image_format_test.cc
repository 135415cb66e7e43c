// Extension -> format, and decode_file_bytes dispatch.
#include "io/image_format.h"

#include <catch2/catch.hpp>

#include "io/jpeg.h"
#include "io/npy.h"
#include "io/png.h"
#include "io_test_util.h"

namespace hangar::test {
namespace {

using io::ImageFormat;

TEST_CASE("ImageFormat: extensions map to formats, case-insensitively", "[core][image_format]") {
  REQUIRE(io::format_from_extension("a/b/cat.png") == ImageFormat::Png);
  REQUIRE(io::format_from_extension("CAT.PNG") == ImageFormat::Png);
  REQUIRE(io::format_from_extension("x.jpg") == ImageFormat::Jpeg);
  REQUIRE(io::format_from_extension("x.JPeG") == ImageFormat::Jpeg);
  REQUIRE(io::format_from_extension("arr.Npy") == ImageFormat::Npy);
  REQUIRE_FALSE(io::format_from_extension("notes.txt"));
  REQUIRE_FALSE(io::format_from_extension("png"));
  REQUIRE_FALSE(io::format_from_extension(".png.bak"));
  REQUIRE_FALSE(io::format_from_extension("archive.npz"));
  REQUIRE(io::format_name(ImageFormat::Jpeg) == "jpeg");
}

TEST_CASE("ImageFormat: decode_file_bytes dispatches to the right decoder",
          "[core][image_format]") {
  const Tensor rgb = make_photo_rgb(6, 7, 1);
  REQUIRE(io::decode_file_bytes(ImageFormat::Png, io::encode_png(rgb.view(), "p"), "p.png") == rgb);
  REQUIRE(io::decode_file_bytes(ImageFormat::Npy, io::encode_npy(rgb.view()), "p.npy") == rgb);
  const Tensor jpeg =
      io::decode_file_bytes(ImageFormat::Jpeg, io::encode_jpeg(rgb.view(), 90, "p"), "p.jpg");
  REQUIRE(jpeg.shape() == rgb.shape());
  // The wrong decoder for the bytes is a clean error naming the file.
  const Error e = error_of(
      [&] { io::decode_file_bytes(ImageFormat::Jpeg, io::encode_png(rgb.view(), "p"), "p.jpg"); });
  REQUIRE(e.code() == ErrorCode::InvalidArgument);
  REQUIRE_THAT(e.what(), Catch::Contains("'p.jpg'"));
}

}  // namespace
}  // namespace hangar::test
