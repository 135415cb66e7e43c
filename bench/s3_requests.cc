// Request costs of an S3 store (decision 0016): what one small PUT/GET/HEAD/ranged GET costs,
// sequentially and from parallel threads, what a 1000-key LIST page costs, and large-object
// throughput. Numbers that decide how chunks are packed into objects.
//
// Usage: bench_s3_requests ENV_FILE [THREADS]   (ENV_FILE from tests/s3/rgw-up.sh)
// Writes and then deletes objects under bench/<random>/ in the env file's bucket.
#include <hangar/s3/client.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace hangar;
using namespace hangar::s3;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> read_env(const char* file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng());
  return out;
}

// Runs f(i) for i in [0, n) on `threads` threads; returns seconds.
double timed(int n, int threads, const std::function<void(int)>& f) {
  std::atomic<int> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) f(i);
    });
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void row(const std::string& what, int n, int threads, double s, std::uint64_t bytes) {
  std::printf("| %-34s | %5d | %2d | %7.3f | %8.1f | %7.2f | %8.1f |\n", what.c_str(), n, threads,
              s, n / s, 1000.0 * s * threads / n, bytes / s / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ENV_FILE [THREADS]\n", argv[0]);
    return 2;
  }
  const auto env = read_env(argv[1]);
  const int par = argc > 2 ? std::atoi(argv[2]) : 8;
  ClientOptions o;
  o.endpoint = env.at("HANGAR_S3_ENDPOINT");
  o.bucket = env.at("HANGAR_S3_BUCKET");
  o.region = env.at("HANGAR_S3_REGION");
  Client c(o, {env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"), "", "env file"});
  c.check_bucket();
  const std::string p = "bench/" + std::to_string(std::random_device{}()) + "/";
  std::printf(
      "| operation | n | threads | wall s | req/s | ms/req | MB/s "
      "|\n|---|---|---|---|---|---|---|\n");

  for (const std::size_t size : {std::size_t{4096}, std::size_t{65536}}) {
    const Bytes data = random_bytes(size, size);
    const std::string tag = std::to_string(size / 1024) + " KiB";
    const int n = size == 4096 ? 300 : 150;
    row("PUT " + tag, n, 1,
        timed(n, 1, [&](int i) { c.put(p + "s" + tag + "/" + std::to_string(i), data); }),
        n * size);
    row("PUT " + tag, n, par,
        timed(n, par, [&](int i) { c.put(p + "p" + tag + "/" + std::to_string(i), data); }),
        n * size);
    row("GET " + tag, n, 1,
        timed(n, 1, [&](int i) { (void)c.get(p + "s" + tag + "/" + std::to_string(i)); }),
        n * size);
    row("GET " + tag, n, par,
        timed(n, par, [&](int i) { (void)c.get(p + "p" + tag + "/" + std::to_string(i)); }),
        n * size);
    row("HEAD " + tag, n, 1,
        timed(n, 1, [&](int i) { (void)c.head(p + "s" + tag + "/" + std::to_string(i)); }), 0);
    UrlClient urls;
    std::vector<std::string> signed_urls;
    for (int i = 0; i < n; ++i)
      signed_urls.push_back(c.presign(Method::Get, p + "s" + tag + "/" + std::to_string(i),
                                      std::chrono::seconds(600)));
    row("presigned GET " + tag, n, 1,
        timed(n, 1,
              [&](int i) {
                urls.get_to(signed_urls[static_cast<std::size_t>(i)], 0, 0, [](ByteView) {});
              }),
        n * size);
    row("presigned GET " + tag, n, par,
        timed(n, par,
              [&](int i) {
                urls.get_to(signed_urls[static_cast<std::size_t>(i)], 0, 0, [](ByteView) {});
              }),
        n * size);
  }
  // LIST: 1000-key pages.
  {
    const int n = 2000;
    timed(n, par, [&](int i) { c.put(p + "l/" + std::to_string(100000 + i), {}); });
    std::string token;
    int pages = 0;
    const double s = timed(1, 1, [&](int) {
      do {
        token = c.list_page(p + "l/", token, 1000).next_token;
        ++pages;
      } while (!token.empty());
    });
    row("LIST page of 1000 keys", pages, 1, s, 0);
  }
  // Large objects and ranged reads from one pack-sized object.
  {
    const Bytes big = random_bytes(64u << 20, 7);
    row("PUT 64 MiB (single)", 1, 1,
        timed(1, 1,
              [&](int) {
                ClientOptions single = o;
                single.multipart_threshold = 1ull << 40;
                single.part_size = 5ull << 30;
                Client sc(single,
                          {env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"), "", ""});
                sc.put(p + "big-single", big);
              }),
        big.size());
    ClientOptions multi = o;
    multi.multipart_threshold = 16u << 20;
    multi.part_size = 16u << 20;
    Client mc(multi, {env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"), "", ""});
    row("PUT 64 MiB (4 x 16 MiB parts)", 1, 1, timed(1, 1, [&](int) { mc.put(p + "big", big); }),
        big.size());
    row("GET 64 MiB", 1, 1, timed(1, 1, [&](int) { c.get_to(p + "big", 0, 0, [](ByteView) {}); }),
        big.size());
    for (const std::size_t len : {std::size_t{8192}, std::size_t{1u << 20}}) {
      const int n = len == 8192 ? 300 : 60;
      std::mt19937_64 rng(1);
      std::vector<std::uint64_t> offs;
      for (int i = 0; i < n; ++i) offs.push_back(rng() % (big.size() - len));
      const std::string tag = len == 8192 ? "8 KiB" : "1 MiB";
      row("ranged GET " + tag + " of 64 MiB", n, 1,
          timed(
              n, 1,
              [&](int i) { (void)c.get_range(p + "big", offs[static_cast<std::size_t>(i)], len); }),
          n * len);
      row("ranged GET " + tag + " of 64 MiB", n, par,
          timed(
              n, par,
              [&](int i) { (void)c.get_range(p + "big", offs[static_cast<std::size_t>(i)], len); }),
          n * len);
    }
  }
  // Clean up.
  const auto all = c.list(p);
  const double s = timed(static_cast<int>(all.size()), par,
                         [&](int i) { c.remove(all[static_cast<std::size_t>(i)].key); });
  row("DELETE", static_cast<int>(all.size()), par, s, 0);
  std::printf("\nrequests %llu, retries %llu\n",
              static_cast<unsigned long long>(c.stats().requests.load()),
              static_cast<unsigned long long>(c.stats().retries.load()));
  return 0;
}
