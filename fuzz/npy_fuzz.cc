// .npy files, as `hangar import`, `put` and the Python binding decode them (io/npy.h), with the
// import's on_declared hook. Oracles: the declared dtype and shape are those of the tensor that
// comes out (import reserves its memory budget from them), and an accepted file re-encodes to
// one that decodes to the same tensor.
#include <optional>

#include "fuzz_support.h"
#include "io/image_format.h"
#include "io/npy.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refuse_or_accept([&] {
    std::optional<std::pair<DType, Shape>> declared;
    const Tensor t = io::decode_file_bytes(
        io::ImageFormat::Npy, fuzz::bytes_of(data, size), "fuzz.npy",
        [&](DType dtype, const Shape& shape) { declared.emplace(dtype, shape); });
    if (!declared || declared->first != t.dtype() || declared->second != t.shape())
      fuzz::finding("the tensor differs from what the header declared");
    if (io::decode_npy(io::encode_npy(t.view()), "re-encoded") != t)
      fuzz::finding("the re-encoded file decodes to another tensor");
  });
  return 0;
}
