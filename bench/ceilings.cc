// This machine's ceilings, measured in the same run as the benchmark steps:
//   bench_ceilings IMAGE_DIR SCRATCH_DIR [ZSTD_LEVEL]
// memcpy GB/s; PNG decode of every image in IMAGE_DIR with hangar's decoder (one thread);
// zstd compress/decompress of the decoded pixels, one frame per image as hangar stores them;
// verify: decompress + SHA-256 of each frame's pixels (one thread), what a receiver checks;
// sequential disk write + fsync; small files: writing each image's PNG bytes to a new file of
// a fresh folder (what any export pays the file system), and encoding + writing each decoded
// image with hangar's PNG encoder (one thread: export's work without a repository). Prints
// TSV lines: name, value, unit.
#include <fcntl.h>
#include <hangar/base/digest.h>
#include <hangar/hangar.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void row(const char* name, double value, const char* unit) {
  std::printf("%s\t%.3f\t%s\n", name, value, unit);
}

void memcpy_ceiling() {
  const std::size_t n = 256u << 20;
  std::vector<char> a(n, 1), b(n, 2);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    std::memcpy(b.data(), a.data(), n);
    best = std::max(best, n / seconds_since(t0) / 1e9);
    a[rep] = b[n - 1 - rep];  // keep the copies observable
  }
  row("memcpy", best, "GB/s");
}

std::vector<std::filesystem::path> png_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".png") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Decodes every file 3 times (the same work as import's decode, files in the page cache) and
// reports the median run.
std::vector<hangar::Tensor> decode_ceiling(const std::vector<std::filesystem::path>& files) {
  std::vector<hangar::Tensor> images;
  std::vector<double> runs;
  std::uint64_t bytes = 0;
  for (int run = 0; run < 3; ++run) {
    images.clear();
    images.reserve(files.size());
    bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& f : files) {
      images.push_back(hangar::read_tensor_file(f));
      bytes += images.back().nbytes();
    }
    runs.push_back(seconds_since(t0));
  }
  std::sort(runs.begin(), runs.end());
  const double s = runs[1];
  row("png_decode_images", files.size() / s, "images/s");
  row("png_decode", bytes / s / 1e6, "MB/s");
  row("png_decode_seconds", s, "s");
  row("png_decode_bytes", static_cast<double>(bytes), "bytes");
  return images;
}

void zstd_ceiling(const std::vector<hangar::Tensor>& images, int level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<std::vector<char>> frames;
  std::uint64_t raw = 0, stored = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& t : images) {
    std::vector<char> f(ZSTD_compressBound(t.nbytes()));
    f.resize(ZSTD_compressCCtx(cctx, f.data(), f.size(), t.data().data(), t.nbytes(), level));
    raw += t.nbytes();
    stored += f.size();
    frames.push_back(std::move(f));
  }
  const double cs = seconds_since(t0);
  std::vector<char> out;
  t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    out.resize(images[i].nbytes());
    ZSTD_decompressDCtx(dctx, out.data(), out.size(), frames[i].data(), frames[i].size());
  }
  const double ds = seconds_since(t0);
  // What a receiver does to every chunk before it keeps it: decode, then SHA-256 of the raw
  // bytes against the chunk's name (transfer::verify_chunk).
  t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    out.resize(images[i].nbytes());
    ZSTD_decompressDCtx(dctx, out.data(), out.size(), frames[i].data(), frames[i].size());
    if (hangar::digest_of(
            hangar::ByteView(reinterpret_cast<const std::byte*>(out.data()), out.size()))
            .is_zero())
      std::puts("");  // keeps the digest observable
  }
  const double vs = seconds_since(t0);
  ZSTD_freeCCtx(cctx);
  ZSTD_freeDCtx(dctx);
  row("zstd_compress", raw / cs / 1e6, "MB/s");
  row("zstd_decompress", raw / ds / 1e6, "MB/s");
  row("zstd_ratio", stored ? static_cast<double>(raw) / stored : 0, "x");
  row("verify", raw / vs / 1e6, "MB/s");
}

// Copies each PNG file's bytes into a new file of a fresh folder (read, create, write, close).
void file_write_ceiling(const std::vector<std::filesystem::path>& files,
                        const std::filesystem::path& scratch) {
  const std::filesystem::path dir = scratch / "ceiling-files";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<char> buf;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::FILE* in = std::fopen(files[i].c_str(), "rb");
    std::FILE* out = std::fopen((dir / (std::to_string(i) + ".png")).c_str(), "wb");
    if (in == nullptr || out == nullptr)
      throw std::runtime_error("cannot copy " + files[i].string());
    buf.resize(std::filesystem::file_size(files[i]));
    const bool ok = std::fread(buf.data(), 1, buf.size(), in) == buf.size() &&
                    std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
    std::fclose(in);
    if (std::fclose(out) != 0 || !ok) throw std::runtime_error("cannot copy " + files[i].string());
  }
  row("files_write_seconds", seconds_since(t0), "s");
  std::filesystem::remove_all(dir);
}

// Encodes each decoded image to a new PNG file with hangar's encoder (what export does per
// sample, on one thread).
void png_encode_ceiling(const std::vector<hangar::Tensor>& images,
                        const std::filesystem::path& scratch) {
  const std::filesystem::path dir = scratch / "ceiling-png";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < images.size(); ++i)
    hangar::write_tensor_file(dir / (std::to_string(i) + ".png"), images[i].view());
  const double s = seconds_since(t0);
  row("png_encode_seconds", s, "s");
  row("png_encode_images", images.size() / s, "images/s");
  std::filesystem::remove_all(dir);
}

// Seconds to write `blocks` MiB to a new file and fsync it. Throws: std::runtime_error.
double write_fsync_seconds(const std::filesystem::path& file, int blocks) {
  const std::vector<char> block(1u << 20, 7);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + file.string());
  auto t0 = std::chrono::steady_clock::now();
  bool ok = true;
  for (int i = 0; ok && i < blocks; ++i)
    ok = ::write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size());
  ok = ok && ::fsync(fd) == 0;
  const double s = seconds_since(t0);
  ::close(fd);
  std::filesystem::remove(file);
  if (!ok) throw std::runtime_error("cannot write and fsync " + file.string());
  return s;
}

// Sequential write + fsync of 256 MiB, the median of 3 runs (one run on this shared VM can be
// off by 2-4x either way).
void disk_ceiling(const std::filesystem::path& scratch) {
  constexpr int kBlocks = 256;
  std::vector<double> runs;
  for (int run = 0; run < 3; ++run)
    runs.push_back(write_fsync_seconds(scratch / "ceiling.bin", kBlocks));
  std::sort(runs.begin(), runs.end());
  row("disk_write_fsync", kBlocks * static_cast<double>(1u << 20) / runs[1] / 1e6, "MB/s");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_ceilings IMAGE_DIR SCRATCH_DIR [ZSTD_LEVEL]\n");
    return 2;
  }
  try {
    memcpy_ceiling();
    const auto files = png_files(argv[1]);
    auto images = decode_ceiling(files);
    zstd_ceiling(images, argc > 3 ? std::atoi(argv[3]) : 3);
    disk_ceiling(argv[2]);
    file_write_ceiling(files, argv[2]);
    png_encode_ceiling(images, argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ceilings: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
