// Stored chunk bytes (raw, zstd, zstd-delta), as a server or client checks every chunk it
// receives (transfer::verify_chunk: frame size, decode, SHA-256) before storing it, and as reads
// decode them (storage::decode_chunk). Input: codec byte, u32 raw size (little-endian), stored
// bytes. Oracle: a chunk that storage::encode_chunk makes of the same bytes decodes back to them.
#include <hangar/base/codec.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <optional>

#include "fuzz_support.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint8_t codec_byte = data[0];
  const std::uint32_t raw_size = std::uint32_t{data[1]} | std::uint32_t{data[2]} << 8 |
                                 std::uint32_t{data[3]} << 16 | std::uint32_t{data[4]} << 24;
  const ByteView stored = fuzz::bytes_of(data + 5, size - 5);
  fuzz::refuse_or_accept([&] {
    const storage::ChunkCodec codec = storage::codec_from_byte(codec_byte);
    Bytes scratch;
    transfer::verify_chunk(Digest{}, codec, raw_size, stored, scratch);
  });

  // Element size and stride from the codec byte's high bits, as encode_chunk takes them.
  std::optional<storage::DeltaFilter> delta;
  const auto element_size = static_cast<std::uint8_t>(codec_byte >> 7 ? 2 : 1);
  if (codec_byte & 0x40 && stored.size() % element_size == 0)
    delta = storage::DeltaFilter{element_size, static_cast<std::uint8_t>((codec_byte >> 2) % 8 + 1),
                                 raw_size % 256};
  fuzz::refuse_or_accept([&] {
    const storage::EncodedChunk c =
        storage::encode_chunk(stored, storage::kDefaultZstdLevel, delta);
    Bytes back(stored.size());
    storage::decode_chunk(c.codec, c.stored, back);
    if (!std::ranges::equal(back, stored) || c.digest != digest_of(stored))
      fuzz::finding("an encoded chunk does not decode to its bytes");
  });
  return 0;
}
