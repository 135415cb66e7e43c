// The client's data plane to an object store (store_client.h).
#include "store_client.h"

#include <hangar/error.h>
#include <hangar/s3/client.h>
#include <hangar/storage/checksum.h>
#include <hangar/storage/failpoint.h>
#include <hangar/storage/interrupt.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "store_layout.h"

namespace hangar::remote::client {
namespace {

struct Range {
  std::uint32_t pack = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::vector<std::size_t> items;
};

std::vector<Range> plan_ranges(const ChunkLocations& l) {
  std::vector<std::size_t> order(l.items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = l.items[a];
    const auto& y = l.items[b];
    return std::tie(x.pack, x.offset) < std::tie(y.pack, y.offset);
  });
  std::vector<Range> out;
  for (const std::size_t i : order) {
    const auto& it = l.items[i];
    const std::uint64_t end = it.offset + it.stored_size;
    if (!out.empty()) {
      Range& r = out.back();
      if (r.pack == it.pack && it.offset <= r.end + kRangeGap && it.offset >= r.begin &&
          std::max(r.end, end) - r.begin <= kMaxRangeBytes) {
        r.end = std::max(r.end, end);
        r.items.push_back(i);
        continue;
      }
    }
    out.push_back({it.pack, it.offset, end, {i}});
  }
  return out;
}

}  // namespace

std::uint64_t fetch_located(const ChunkLocations& l, RecordHandler& handler,
                            const std::string& source) {
  const std::vector<Range> ranges = plan_ranges(l);
  failpoint("store-before-fetch");  // tests: the object store goes away before the data comes
  s3::UrlClient urls;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // handler calls, first error
  std::exception_ptr error;
  std::uint64_t handed = 0;
  auto work = [&] {
    Bytes buffer, scratch;
    try {
      for (std::size_t r = next++; r < ranges.size() && !failed; r = next++) {
        const Range& range = ranges[r];
        buffer.clear();
        const std::uint64_t length = range.end - range.begin;
        const bool found =
            length == 0 ||
            urls.get_to(l.pack_urls[range.pack], range.begin, length, [&](ByteView piece) {
              if (buffer.size() + piece.size() > length)
                fail(ErrorCode::Corrupt,
                     "the object store sent more than "
                     "the range asked for");
              buffer.insert(buffer.end(), piece.begin(), piece.end());
            });
        if (!found)
          fail(ErrorCode::Remote, "a data pack that " + source +
                                      " names is missing from its object store; ask its operator");
        if (buffer.size() != length)
          fail(ErrorCode::Remote, "the object store sent " + std::to_string(buffer.size()) +
                                      " of " + std::to_string(length) + " bytes of a range");
        for (const std::size_t i : range.items) {
          const auto& it = l.items[i];
          const ByteView stored = ByteView(buffer).subspan(it.offset - range.begin, it.stored_size);
          if (xxh3_64(stored) != it.checksum)
            fail(ErrorCode::Corrupt, "chunk " + it.id.hex() + " from the object store of " +
                                         source + " fails its checksum");
          transfer::verify_chunk(it.id, it.codec, it.raw_size, stored, scratch);
          std::lock_guard lock(mu);
          if (failed) return;
          handler.on_chunk({it.id, it.codec, it.raw_size, stored});
          ++handed;
        }
      }
    } catch (...) {
      std::lock_guard lock(mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(kStoreConnections, ranges.size()));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return handed;
}

std::uint64_t upload_chunks(const Repository& repo, Transport& transport,
                            std::span<const Digest> ids, const RemoteProgress& progress) {
  transfer::ChunkSource source(repo);
  s3::UrlClient urls;
  store::PackBuilder builder;
  std::uint64_t uploaded = 0, done = 0;
  bool first = true;
  auto send = [&] {
    auto [data, index] = builder.finish();
    const Bytes idx = store::encode_index(index);
    const PackUpload up{index.pack, data.size(), idx.size()};
    const auto granted = transport.begin_upload(std::span<const PackUpload>(&up, 1));
    // Tests: a lying client, whose pack does not hold what its index says.
    if (failpoint_armed("push-forged-pack") && !data.empty()) data[data.size() / 2] ^= std::byte{1};
    urls.put(granted.at(0).pack_url, data);
    if (first) failpoint("push-mid-upload");  // tests: the client dies between pack and index
    first = false;
    urls.put(granted.at(0).index_url, idx);
    uploaded += data.size() + idx.size();
  };
  for (const Digest& id : ids) {
    check_interrupt();
    const auto chunk = source.read_stored(id);
    if (!chunk)
      fail(ErrorCode::NotLocal, "chunk " + id.short_hex() +
                                    " to push is not local; run "
                                    "'hangar fetch-data' first");
    builder.add(*chunk);
    if (++done % 64 == 0 && progress) progress("upload", done, ids.size());
    if (builder.size() >= store::kPackTarget) send();
  }
  if (!builder.empty()) send();
  if (progress) progress("upload", done, ids.size());
  return uploaded;
}

}  // namespace hangar::remote::client
