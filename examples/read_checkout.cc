// Reads every sample of a column at a revision as a typed tensor, the way a training loop
// would, and prints the throughput:
//   example_read_checkout REPO COLUMN [REV]
#include <hangar/hangar.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: example_read_checkout REPO COLUMN [REV]\n");
    return 2;
  }
  try {
    auto repo = hangar::Repository::open(argv[1], hangar::Repository::Mode::Read);
    hangar::Digest commit = repo.resolve(argc > 3 ? argv[3] : "HEAD");
    hangar::Checkout view = repo.checkout_at(commit);
    auto start = std::chrono::steady_clock::now();
    std::uint64_t samples = 0, bytes = 0;
    view.for_each(argv[2], [&](const hangar::SampleRef& ref) {
      hangar::Tensor t = view.read(ref);
      ++samples;
      bytes += t.nbytes();
      return true;
    });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("read %llu samples, %.1f MB in %.3f s: %.0f samples/s, %.1f MB/s\n",
                static_cast<unsigned long long>(samples), bytes / 1e6, s, samples / s,
                bytes / 1e6 / s);
  } catch (const hangar::Error& e) {
    std::fprintf(stderr, "example_read_checkout: error: %s\n", e.what());
    return 3;
  }
  return 0;
}
