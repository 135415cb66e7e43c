// The client's data plane to an object store (store_client.h).
#include "store_client.h"

#include <hangar/base/checksum.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/s3/client.h>
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

namespace {

// What one pass over a set of locations did.
struct Pass {
  std::uint64_t handed = 0;
  bool expired = false;      // a URL expired: the chunks not done are to be located again
  std::exception_ptr error;  // any other failure: the transfer ends
};

// Tests: true the first time in this process. The pause failpoints (HANGAR_FAILPOINT=
// <name>:stop) stop the process only once, so that a test holds a transfer past the lifetime of
// its presigned URLs and then sees it go on.
bool first_pause() {
  static std::atomic<bool> hit{false};
  return !hit.exchange(true);
}

// Reads the ranges of `l` (4 at a time) and hands their chunks on; done[i] is set for each
// item handed. On an expired URL no new range starts, the ranges in flight still finish.
Pass fetch_pass(const ChunkLocations& l, s3::UrlClient& urls, RecordHandler& handler,
                const std::string& source, std::vector<char>& done) {
  const std::vector<Range> ranges = plan_ranges(l);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // handler calls, done, pass
  Pass pass;
  auto work = [&] {
    Bytes buffer, scratch;
    try {
      for (std::size_t r = next++; r < ranges.size() && !stop; r = next++) {
        const Range& range = ranges[r];
        buffer.clear();
        const std::uint64_t length = range.end - range.begin;
        bool found = true;
        try {
          found = length == 0 ||
                  urls.get_to(l.pack_urls[range.pack], range.begin, length, [&](ByteView piece) {
                    if (buffer.size() + piece.size() > length)
                      fail(ErrorCode::Corrupt,
                           "the object store sent more than "
                           "the range asked for");
                    buffer.insert(buffer.end(), piece.begin(), piece.end());
                  });
        } catch (const s3::S3Error& e) {
          if (e.problem() != s3::Problem::Expired) throw;
          std::lock_guard lock(mu);
          pass.expired = true;
          stop = true;
          return;
        }
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
          if (pass.error) return;
          handler.on_chunk({it.id, it.codec, it.raw_size, stored});
          done[i] = 1;
          ++pass.handed;
        }
        if (failpoint_armed("store-fetch-pause") && first_pause()) failpoint("store-fetch-pause");
      }
    } catch (...) {
      std::lock_guard lock(mu);
      if (!pass.error) pass.error = std::current_exception();
      stop = true;
    }
  };
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(kStoreConnections, ranges.size()));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return pass;
}

}  // namespace

std::uint64_t fetch_located(ChunkLocations l, RecordHandler& handler, const std::string& source,
                            bool insecure, const Relocate& relocate) {
  failpoint("store-before-fetch");  // tests: the object store goes away before the data comes
  s3::ClientOptions options;
  options.tls.insecure = insecure;
  s3::UrlClient urls(options);
  std::uint64_t handed = 0;
  for (int fruitless = 0;;) {
    std::vector<char> done(l.items.size(), 0);
    const Pass pass = fetch_pass(l, urls, handler, source, done);
    handed += pass.handed;
    if (pass.error) std::rethrow_exception(pass.error);
    if (!pass.expired) return handed;
    fruitless = pass.handed == 0 ? fruitless + 1 : 0;
    const std::string so_far = std::to_string(handed) + " chunks read";
    if (!relocate)
      throw s3::S3Error(s3::Problem::Expired, "the presigned URLs from " + source +
                                                  " expired mid-transfer (" + so_far +
                                                  "); run the command again to go on");
    if (fruitless > kMaxFruitlessRefreshes)
      throw s3::S3Error(
          s3::Problem::Expired,
          "the presigned URLs from " + source + " expired before reads with them could start, " +
              std::to_string(fruitless) + " times in a row (" + so_far +
              "); check that this machine's clock agrees with the server's and the object "
              "store's, and that the server's --presign-ttl is not too short");
    std::vector<Digest> rest;
    for (std::size_t i = 0; i < done.size(); ++i)
      if (done[i] == 0) rest.push_back(l.items[i].id);
    try {
      l = relocate(rest);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Interrupted) throw;
      throw Error(e.code(), "the presigned URLs from " + source + " expired mid-transfer (" +
                                so_far + ") and asking for new ones failed: " + e.what());
    }
  }
}

std::uint64_t upload_chunks(const Repository& repo, Transport& transport,
                            std::span<const Digest> ids, const RemoteProgress& progress) {
  transfer::ChunkSource source(repo);
  s3::ClientOptions options;
  options.tls.insecure = transport.insecure();
  s3::UrlClient urls(options);
  store::PackBuilder builder;
  std::uint64_t uploaded = 0, done = 0;
  bool first = true;
  auto send = [&] {
    auto [data, index] = builder.finish();
    const Bytes idx = store::encode_index(index);
    const PackUpload up{index.pack, data.size(), idx.size()};
    auto grant = [&] { return transport.begin_upload(std::span<const PackUpload>(&up, 1)).at(0); };
    UploadUrls granted = grant();
    // A PUT may start only before its URL expires: one that did not (the pack's upload took
    // longer than the index URL's lifetime, the process was stopped) is granted again.
    auto put = [&](const std::string UploadUrls::*which, ByteView bytes) {
      for (int fruitless = 0;; ++fruitless) {
        try {
          urls.put(granted.*which, bytes);
          return;
        } catch (const s3::S3Error& e) {
          if (e.problem() != s3::Problem::Expired) throw;
          if (fruitless >= kMaxFruitlessRefreshes)
            throw s3::S3Error(
                s3::Problem::Expired,
                "the presigned upload URLs from remote " + transport.url() +
                    " expired before an upload with them could start, " +
                    std::to_string(fruitless + 1) +
                    " times in a row; check that this machine's clock agrees with the "
                    "server's and the object store's, and that the server's --presign-ttl is "
                    "not too short");
        }
        try {
          granted = grant();
        } catch (const Error& e) {
          if (e.code() == ErrorCode::Interrupted) throw;
          throw Error(e.code(),
                      "the presigned upload URLs from remote " + transport.url() +
                          " expired mid-push and asking for new ones failed: " + e.what());
        }
      }
    };
    // Tests: a lying client, whose pack does not hold what its index says.
    if (failpoint_armed("push-forged-pack") && !data.empty()) data[data.size() / 2] ^= std::byte{1};
    // Tests: hold the upload past its URLs' lifetime.
    if (failpoint_armed("store-upload-pause") && first_pause()) failpoint("store-upload-pause");
    put(&UploadUrls::pack_url, data);
    if (first) failpoint("push-mid-upload");  // tests: the client dies between pack and index
    first = false;
    put(&UploadUrls::index_url, idx);
    uploaded += data.size() + idx.size();
  };
  for (const Digest& id : ids) {
    check_interrupt();
    const auto chunk = source.read_stored(id);
    if (!chunk)
      fail(ErrorCode::NotLocal, "chunk " + id.short_hex() + " to push is not local",
           Hint{.action = HintAction::FetchData});
    builder.add(*chunk);
    if (++done % 64 == 0 && progress) progress("upload", done, ids.size());
    if (builder.size() >= store::kPackTarget) send();
  }
  if (!builder.empty()) send();
  if (progress) progress("upload", done, ids.size());
  return uploaded;
}

}  // namespace hangar::remote::client
