// Schema objects, as a server or client receives them in a pack (transfer::verify_object) and as
// every checkout reads them (decode_schema). Oracle: encodings are canonical
// (docs/format/objects.md), so an accepted schema re-encodes to the very same bytes.
#include <hangar/schema.h>
#include <hangar/transfer.h>

#include <algorithm>

#include "fuzz_support.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView b = fuzz::bytes_of(data, size);
  fuzz::refuse_or_accept(
      [&] { transfer::verify_object(transfer::ObjectType::Schema, digest_of(b), b); });
  fuzz::refuse_or_accept([&] {
    const Bytes again = encode_schema(decode_schema(b));
    if (!std::ranges::equal(again, b)) fuzz::finding("an accepted schema is not canonical");
  });
  return 0;
}
