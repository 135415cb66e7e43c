// PNG files, as `hangar import`, `put` and the Python binding decode them (io/png.h, libspng),
// with the import's on_declared hook. Oracles: the declared dtype and shape are those of the
// tensor that comes out (import reserves its memory budget from them), and the pixels survive
// encode_png (what `export --format png` writes) and a second decode.
#include <optional>

#include "fuzz_support.h"
#include "io/image_format.h"
#include "io/png.h"

using namespace hangar;

namespace {
// Re-encoding costs ~100 ns a pixel; larger images only go through the decoder.
constexpr std::size_t kMaxRoundTripBytes = 1u << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refuse_or_accept([&] {
    std::optional<std::pair<DType, Shape>> declared;
    const Tensor t = io::decode_file_bytes(
        io::ImageFormat::Png, fuzz::bytes_of(data, size), "fuzz.png",
        [&](DType dtype, const Shape& shape) { declared.emplace(dtype, shape); });
    if (!declared || declared->first != t.dtype() || declared->second != t.shape())
      fuzz::finding("the image differs from what the header declared");
    if (t.nbytes() <= kMaxRoundTripBytes &&
        io::decode_png(io::encode_png(t.view(), "decoded"), "re-encoded") != t)
      fuzz::finding("the re-encoded image has other pixels");
  });
  return 0;
}
