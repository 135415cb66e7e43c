// Digest candidates on real chunks (docs/decisions/0012-cryptographic-digests.md).
//   bench_digest IMAGE_DIR...
// Decodes every PNG under the folders into the raw bytes hangar hashes (one chunk per image for
// workload A's 64x64x3 images), then hashes every chunk with each candidate, one thread, best of
// 5 passes: XXH3-128 (format 1), SHA-256 from OpenSSL (EVP, context reused; and the one-shot
// SHA256()), BLAKE2b-256 from libb2 (when built with it), and hangar::digest_of (what this build
// names chunks with). Also small inputs: 96 bytes (a sample descriptor) and 4 KiB (a record
// page), where the per-call cost shows.
// Prints TSV lines: name, value, unit.
#include <hangar/hangar.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <xxhash.h>
#ifdef HANGAR_BENCH_HAVE_LIBB2
#include <blake2.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void row(const std::string& name, double value, const char* unit) {
  std::printf("%s\t%.3f\t%s\n", name.c_str(), value, unit);
}

// One candidate: hashes `in` into `out` (at least 32 bytes).
using HashFn = std::function<void(hangar::ByteView in, unsigned char* out)>;

struct Candidate {
  const char* name;
  HashFn fn;
};

// Seconds per pass over `inputs` (best of `passes`); `sink` keeps the results observable.
double time_pass(const HashFn& fn, const std::vector<hangar::ByteView>& inputs, int passes,
                 unsigned& sink) {
  double best = 1e30;
  unsigned char out[64];
  for (int pass = 0; pass < passes; ++pass) {
    const auto t0 = Clock::now();
    for (const auto& in : inputs) {
      fn(in, out);
      sink += out[0];
    }
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

struct EvpSha256 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EvpSha256() {
    if (md == nullptr || ctx == nullptr) throw std::runtime_error("OpenSSL: no SHA256");
  }
  ~EvpSha256() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  EvpSha256(const EvpSha256&) = delete;
  EvpSha256& operator=(const EvpSha256&) = delete;
  void operator()(hangar::ByteView in, unsigned char* out) const {
    unsigned n = 0;
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, in.data(), in.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
      throw std::runtime_error("OpenSSL: SHA256 failed");
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_digest IMAGE_DIR...\n");
    return 2;
  }
  try {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i)
      for (const auto& e : fs::recursive_directory_iterator(argv[i]))
        if (e.is_regular_file() && e.path().extension() == ".png") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<hangar::Tensor> chunks;
    std::uint64_t raw = 0;
    for (const auto& f : files) {
      chunks.push_back(hangar::read_tensor_file(f));
      raw += chunks.back().nbytes();
    }
    if (chunks.empty()) throw std::runtime_error("no PNG files");
    std::vector<hangar::ByteView> chunk_views;
    for (const auto& t : chunks) chunk_views.push_back(t.data());
    // Small inputs: slices of the chunks' bytes, as many as there are chunks.
    auto slices = [&](std::size_t n) {
      std::vector<hangar::ByteView> out;
      for (const auto& v : chunk_views) out.push_back(v.first(std::min(n, v.size())));
      return out;
    };
    const auto descriptors = slices(96);
    const auto pages = slices(4096);

    EvpSha256 evp;
    std::vector<Candidate> candidates = {
        {"xxh3_128",
         [](hangar::ByteView in, unsigned char* out) {
           const XXH128_hash_t h = XXH3_128bits(in.data(), in.size());
           XXH128_canonicalFromHash(reinterpret_cast<XXH128_canonical_t*>(out), h);
         }},
        {"sha256_evp", [&evp](hangar::ByteView in, unsigned char* out) { evp(in, out); }},
        {"sha256_oneshot",
         [](hangar::ByteView in, unsigned char* out) {
           SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), out);
         }},
#ifdef HANGAR_BENCH_HAVE_LIBB2
        {"blake2b_256",
         [](hangar::ByteView in, unsigned char* out) {
           if (blake2b(out, in.data(), nullptr, 32, in.size(), 0) != 0)
             throw std::runtime_error("libb2: blake2b failed");
         }},
#endif
        {"hangar_digest_of",
         [](hangar::ByteView in, unsigned char* out) {
           const hangar::Digest d = hangar::digest_of(in);
           std::memcpy(out, d.bytes.data(), d.bytes.size());
         }},
    };

    row("digest_chunks", static_cast<double>(chunks.size()), "chunks");
    row("digest_chunk_bytes_mean", static_cast<double>(raw) / chunks.size(), "bytes");
    unsigned sink = 0;
    const double n = static_cast<double>(chunks.size());
    for (const auto& c : candidates) {
      const std::string name = std::string("digest_") + c.name;
      const double t = time_pass(c.fn, chunk_views, 5, sink);
      row(name + "_chunks", static_cast<double>(raw) / t / 1e6, "MB/s");
      row(name + "_per_chunk", t / n * 1e6, "us");
      row(name + "_per_4KiB", time_pass(c.fn, pages, 5, sink) / n * 1e9, "ns");
      row(name + "_per_96B", time_pass(c.fn, descriptors, 5, sink) / n * 1e9, "ns");
    }
    if (sink == 0xFFFFFFFFu) std::puts("");  // keep the results observable
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_digest: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
