// Reads every sample of a column through libhangar, as a training loop would:
//   bench_read_all REPO COLUMN [REV] [--each]
// with Checkout::read_all (batches whose chunk locations are looked up in index order), or
// with --each one Checkout::read per sample in a for_each loop. Prints TSV lines: samples, MB,
// seconds, samples/s, MB/s (decoded tensor bytes), and this process's resident memory at the end:
// anonymous (heap, stacks) and file-backed (mostly the repository's LMDB pages the reads mapped:
// page cache, shared and reclaimable).
#include <hangar/hangar.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

// A "Name:  N kB" line of /proc/self/status in MB, or -1.
double status_mb(const std::string& name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0) return std::stod(line.substr(name.size() + 1)) / 1024;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  bool each = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--each") {
      each = true;
    } else {
      args.emplace_back(argv[i]);
    }
  }
  if (args.size() < 2 || args.size() > 3) {
    std::fprintf(stderr, "usage: bench_read_all REPO COLUMN [REV] [--each]\n");
    return 2;
  }
  try {
    auto repo = hangar::Repository::open(args[0], hangar::Repository::Mode::Read);
    hangar::Checkout view = repo.checkout_at(repo.resolve(args.size() > 2 ? args[2] : "HEAD"));
    std::uint64_t samples = 0, bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    if (each) {
      view.for_each(args[1], [&](const hangar::SampleRef& ref) {
        bytes += view.read(ref).nbytes();
        ++samples;
        return true;
      });
    } else {
      view.read_all(args[1], [&](const hangar::SampleRef&, hangar::Tensor& t) {
        bytes += t.nbytes();
        ++samples;
        return true;
      });
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "read_samples\t%llu\tsamples\nread_mb\t%.3f\tMB\nread_seconds\t%.4f\ts\n"
        "read_rate\t%.0f\tsamples/s\nread_throughput\t%.1f\tMB/s\n",
        static_cast<unsigned long long>(samples), bytes / 1e6, s, samples / s, bytes / 1e6 / s);
    std::printf("read_rss_anon_mb\t%.1f\tMB\nread_rss_file_mb\t%.1f\tMB\n", status_mb("RssAnon"),
                status_mb("RssFile"));
  } catch (const hangar::Error& e) {
    std::fprintf(stderr, "bench_read_all: error: %s\n", e.what());
    return 3;
  }
  return 0;
}
