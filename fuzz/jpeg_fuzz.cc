// JPEG files, as `hangar import`, `put` and the Python binding decode them (io/jpeg.h,
// libjpeg-turbo), with the import's on_declared hook. Oracle: the declared dtype and shape are
// those of the image that comes out (import reserves its memory budget from them).
#include <optional>

#include "fuzz_support.h"
#include "io/image_format.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refuse_or_accept([&] {
    std::optional<std::pair<DType, Shape>> declared;
    const Tensor t = io::decode_file_bytes(
        io::ImageFormat::Jpeg, fuzz::bytes_of(data, size), "fuzz.jpg",
        [&](DType dtype, const Shape& shape) { declared.emplace(dtype, shape); });
    if (!declared || declared->first != t.dtype() || declared->second != t.shape())
      fuzz::finding("the image differs from what the header declared");
  });
  return 0;
}
