// Chunk codecs on real images: size and speed of what hangar stores per sample.
//   bench_codec IMAGE_DIR... [--level N]
// Decodes every PNG under the folders, then encodes each image as one chunk with plain zstd
// (codec `zstd`, the column level) and with the delta predictor (codec `zstd-delta`, as import
// does for image-like tensors), one thread, best of 3 passes. Decode = the check a reader does
// (XXH3-64 of the stored bytes against the location's checksum) + decode_chunk. Sizes are set
// beside the PNG files, and beside what the l0 layout (one LMDB value per chunk, whole 4 KiB pages
// above ~2 KB) would take. Prints TSV lines: name, value, unit.
#include <hangar/base/checksum.h>
#include <hangar/base/codec.h>
#include <hangar/hangar.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using hangar::storage::ChunkCodec;
using hangar::storage::DeltaFilter;
using hangar::storage::EncodedChunk;

struct Image {
  hangar::Tensor tensor;
  std::optional<DeltaFilter> delta;
};

// The rule of libhangar's delta_filter_for (descriptor.h), for whole-sample chunks.
std::optional<DeltaFilter> delta_for(const hangar::Tensor& t) {
  const auto& s = t.shape();
  const auto e = hangar::dtype_size(t.dtype());
  if ((e != 1 && e != 2) || s.size() < 2) return std::nullopt;
  const bool channels = s.size() >= 3 && s.back() <= 4;
  return DeltaFilter{static_cast<std::uint8_t>(e),
                     static_cast<std::uint8_t>(channels ? s.back() : 1),
                     static_cast<std::uint32_t>(channels ? s.back() * s[s.size() - 2] : s.back())};
}

// Bytes an l0 value of `n` bytes takes: inline in a leaf below ~2 KB, else whole pages.
std::uint64_t l0_bytes(std::size_t n) { return n <= 2000 ? n + 24 : (n + 16 + 4095) / 4096 * 4096; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void row(const std::string& name, double value, const char* unit) {
  std::printf("%s\t%.3f\t%s\n", name.c_str(), value, unit);
}

void measure(const char* name, const std::vector<Image>& images, int level, bool delta,
             std::uint64_t raw, std::uint64_t png) {
  std::vector<EncodedChunk> chunks(images.size());
  double enc = 1e30, dec = 1e30;
  for (int pass = 0; pass < 3; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < images.size(); ++i)
      chunks[i] = hangar::storage::encode_chunk(images[i].tensor.data(), level,
                                                delta ? images[i].delta : std::nullopt);
    enc = std::min(enc, seconds_since(t0));
    hangar::Bytes out;
    t0 = std::chrono::steady_clock::now();
    std::uint64_t sum = 0;
    for (const auto& c : chunks) {
      out.resize(c.raw_size);
      sum += hangar::xxh3_64(c.stored);
      hangar::storage::decode_chunk(c.codec, c.stored, out);
    }
    dec = std::min(dec, seconds_since(t0));
    if (sum == 0) std::puts("");  // keep the checksums observable
  }
  hangar::Bytes out;
  for (const auto& c : chunks) {  // round trip, outside the timing
    out.resize(c.raw_size);
    hangar::storage::decode_chunk(c.codec, c.stored, out);
    if (hangar::digest_of(out) != c.digest) throw std::runtime_error("round trip failed");
  }
  std::uint64_t stored = 0, pages = 0, filtered = 0;
  for (const auto& c : chunks) {
    stored += c.stored.size();
    pages += l0_bytes(c.stored.size());
    filtered += c.codec == ChunkCodec::ZstdDelta;
  }
  const std::string n = std::string("codec_") + name;
  row(n + "_x_png", static_cast<double>(stored) / png, "x");
  row(n + "_x_png_l0_pages", static_cast<double>(pages) / png, "x");
  row(n + "_encode", raw / enc / 1e6, "MB/s");
  row(n + "_decode", raw / dec / 1e6, "MB/s");
  if (delta)
    row(n + "_chunks_filtered", 100.0 * filtered / std::max<std::size_t>(1, chunks.size()), "%");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> dirs;
  int level = hangar::storage::kDefaultZstdLevel;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--level") == 0 && i + 1 < argc) {
      level = std::atoi(argv[++i]);
    } else {
      dirs.emplace_back(argv[i]);
    }
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "usage: bench_codec IMAGE_DIR... [--level N]\n");
    return 2;
  }
  try {
    std::vector<fs::path> files;
    for (const auto& d : dirs)
      for (const auto& e : fs::recursive_directory_iterator(d))
        if (e.is_regular_file() && e.path().extension() == ".png") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<Image> images;
    std::uint64_t raw = 0, png = 0;
    for (const auto& f : files) {
      hangar::Tensor t = hangar::read_tensor_file(f);
      raw += t.nbytes();
      png += fs::file_size(f);
      auto delta = delta_for(t);
      images.push_back({std::move(t), delta});
    }
    row("codec_images", static_cast<double>(images.size()), "images");
    row("codec_png_bytes", static_cast<double>(png), "bytes");
    measure("zstd", images, level, false, raw, png);
    measure("zstd_delta", images, level, true, raw, png);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_codec: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
