// How the order of chunk-location lookups decides what a whole-column read maps (decision 0014):
//   bench_lookup_order REPO COLUMN MODE BATCH RELEASE
// looks up the location of every inline sample's chunk of COLUMN at HEAD through one
// ChunkReader, MODE "key" (record order, as a read does) or "sorted" (each batch of BATCH
// digests sorted first: the index B-tree in key order), releasing the index's mapped pages every
// RELEASE lookups (0: never). Prints seconds, minor page faults and peak RSS.
#include <hangar/hangar.h>
#include <hangar/storage/chunks.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: bench_lookup_order REPO COLUMN key|sorted BATCH RELEASE\n");
    return 2;
  }
  const bool sorted = std::string(argv[3]) == "sorted";
  const std::size_t batch = std::strtoull(argv[4], nullptr, 10);
  const std::uint64_t release = std::strtoull(argv[5], nullptr, 10);
  try {
    auto repo = hangar::Repository::open(argv[1], hangar::Repository::Mode::Read);
    const hangar::Checkout view = repo.checkout_at(repo.resolve("HEAD"));
    auto chunks = hangar::storage::Chunks::open(std::string(argv[1]) + "/.hangar/chunks", true);
    auto reader = chunks.reader();
    std::vector<hangar::Digest> pending;
    std::uint64_t found = 0, lookups = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto flush = [&] {
      if (sorted) std::sort(pending.begin(), pending.end());
      for (const auto& d : pending) {
        if (release && ++lookups % release == 0) chunks.index().env().release_mapped_pages();
        found += reader.find(d).has_value();
      }
      pending.clear();
    };
    view.for_each(argv[2], [&](const hangar::SampleRef& ref) {
      if (ref.sample.is_inline() && ref.sample.has_chunk()) pending.push_back(ref.sample.digest());
      if (pending.size() == batch) flush();
      return true;
    });
    flush();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    std::printf("%s batch %zu release %llu: %llu found, %.2f s, %ld minor faults, peak %.1f MB\n",
                argv[3], batch, static_cast<unsigned long long>(release),
                static_cast<unsigned long long>(found), s, u.ru_minflt, u.ru_maxrss / 1024.0);
  } catch (const hangar::Error& e) {
    std::fprintf(stderr, "bench_lookup_order: %s\n", e.what());
    return 3;
  }
  return 0;
}
