// What an S3-backed remote keeps in its bucket (store_layout.h), read by its server, by clients
// of an s3:// URL and by gc: pack indexes (decode_index) and the manifest (decode_manifest).
// The first input byte picks the decoder:
//  - 0: a pack index as it is; its SHA-256 trailer stops nearly every mutation;
//  - 1: the same with the trailer recomputed, so the fields behind it are reached. Oracle: an
//    accepted index re-encodes to the very same bytes;
//  - 2: the manifest JSON. Oracle: a stable round trip through encode_manifest.
#include <algorithm>
#include <string>

#include "fuzz_support.h"
#include "store_layout.h"

using namespace hangar;
using namespace hangar::remote;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest = fuzz::bytes_of(data + 1, size - 1);
  fuzz::refuse_or_accept([&] {
    switch (data[0] % 3) {
      case 0:
        store::decode_index(rest, "fuzz index");
        break;
      case 1: {
        Bytes index = to_bytes(rest);
        const Digest sum = digest_of(index);
        index.insert(index.end(), sum.bytes.begin(), sum.bytes.end());
        if (!std::ranges::equal(store::encode_index(store::decode_index(index, "fuzz index")),
                                index))
          fuzz::finding("an accepted pack index is not canonical");
        break;
      }
      default: {
        const std::string_view json = as_string_view(rest);
        const std::string once = store::encode_manifest(store::decode_manifest(json, "fuzz"));
        if (store::encode_manifest(store::decode_manifest(once, "re-encoded")) != once)
          fuzz::finding("a decoded manifest does not survive encode_manifest");
      }
    }
  });
  return 0;
}
