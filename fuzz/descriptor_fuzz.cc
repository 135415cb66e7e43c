// Sample descriptor objects, as a server or client receives them in a pack
// (transfer::verify_object, which also refuses one that records would hold inline) and as every
// read of a multi-chunk sample decodes them (decode_descriptor). Oracle: encodings are canonical
// (docs/format/objects.md), so an accepted descriptor re-encodes to the very same bytes.
#include <hangar/transfer.h>

#include <algorithm>

#include "fuzz_support.h"
#include "model/descriptor.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView b = fuzz::bytes_of(data, size);
  fuzz::refuse_or_accept(
      [&] { transfer::verify_object(transfer::ObjectType::Descriptor, digest_of(b), b); });
  fuzz::refuse_or_accept([&] {
    const Bytes again = encode_descriptor(decode_descriptor(b));
    if (!std::ranges::equal(again, b)) fuzz::finding("an accepted descriptor is not canonical");
  });
  return 0;
}
