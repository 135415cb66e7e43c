// The bodies of the hangar protocol (protocol.h, data_protocol.h): JSON documents a server reads
// from clients (history and upload requests, the push header's ref updates, digest lists) and a
// client reads from servers (info, refs, push, locate, upload and gc replies, error documents).
// The first input byte picks the decoder, the rest is the body. Oracle: what a decoder accepts
// survives its encoder: decode(encode(decoded)) encodes the same again (a stable round trip).
#include <string>
#include <string_view>

#include "data_protocol.h"
#include "fuzz_support.h"
#include "protocol.h"

using namespace hangar;
using namespace hangar::remote;

namespace {

constexpr std::size_t kMaxItems = 64;  // how many digests or packs a client asked about

// encode(decode(body)); then the same of that must give the same text.
template <typename Decode, typename Encode>
void round_trip(std::string_view body, Decode decode, Encode encode) {
  const std::string once = encode(decode(body));
  if (encode(decode(once)) != once) fuzz::finding("a decoded body does not survive its encoder");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string what = "fuzz body";
  fuzz::refuse_or_accept([&] {
    switch (data[0] % 11) {
      case 0:
        return round_trip(
            body,
            [&](std::string_view b) {
              int min_version = 0;
              ServerInfo info = protocol::decode_info(b, min_version, what);
              return std::pair(info, min_version);
            },
            [](const auto& d) { return protocol::encode_info(d.first, d.second); });
      case 1:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_refs(b, what); },
            protocol::encode_refs);
      case 2:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_history_request(b, what); },
            protocol::encode_history_request);
      case 3:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_digests(b, kMaxItems, what); },
            [](const auto& ids) { return protocol::encode_digests(ids); });
      case 4:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_updates(b, what); },
            [](const auto& updates) { return protocol::encode_updates(updates); });
      case 5:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_push_reply(b, what); },
            protocol::encode_push_reply);
      case 6:
        return round_trip(
            body, [](std::string_view b) { return protocol::decode_error(b); },
            protocol::encode_error);
      case 7:
        return round_trip(
            body,
            [&](std::string_view b) { return protocol::decode_locations(b, kMaxItems, what); },
            protocol::encode_locations);
      case 8:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_upload_request(b, what); },
            protocol::encode_upload_request);
      case 9:
        return round_trip(
            body,
            [&](std::string_view b) {
              // A client asks for one URL pair per pack it uploads; the reply must match.
              return protocol::decode_upload_reply(b, data[0] / 11 % 4, what);
            },
            protocol::encode_upload_reply);
      default:
        return round_trip(
            body, [&](std::string_view b) { return protocol::decode_gc_report(b, what); },
            protocol::encode_gc_report);
    }
  });
  return 0;
}
