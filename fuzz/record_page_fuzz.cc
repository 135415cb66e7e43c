// Record-tree pages (leaf and internal), as a pack delivers them (transfer::verify_object, which
// runs decode_page) and as lookups, diffs, gc and fsck walk them (PageDecoder, one entry at a
// time). Oracles: the two decoders agree, entry for entry, on what they accept; and encodings
// are canonical (docs/format/record-tree.md), so an accepted page re-encodes to the same bytes.
#include <hangar/transfer.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "fuzz_support.h"
#include "tree/record_page.h"

using namespace hangar;

namespace {

// Every entry PageDecoder yields, or nullopt when it refuses the page.
std::optional<RecordPage> walk(const Digest& id, ByteView b) {
  try {
    PageDecoder d(id, b);
    RecordPage page{d.level(), {}};
    while (d.next()) page.entries.push_back(d.entry());
    if (page.entries.size() != d.size()) fuzz::finding("PageDecoder yielded another count");
    return page;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Internal) fuzz::finding(e.what());
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView b = fuzz::bytes_of(data, size);
  const Digest id = digest_of(b);
  if (size > 0) {
    const auto type = object_type_from_byte(data[0]);
    if (type == transfer::ObjectType::LeafPage || type == transfer::ObjectType::InternalPage)
      fuzz::refuse_or_accept([&] { transfer::verify_object(*type, id, b); });
  }
  const std::optional<RecordPage> walked = walk(id, b);
  std::optional<RecordPage> decoded;
  fuzz::refuse_or_accept([&] { decoded = decode_page(id, b); });
  if (walked != decoded) fuzz::finding("decode_page and PageDecoder disagree");
  if (decoded && !std::ranges::equal(encode_page(*decoded), b))
    fuzz::finding("an accepted page is not canonical");
  return 0;
}
