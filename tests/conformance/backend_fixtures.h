// Fixtures of the chunk-store conformance suite: one per backend, each with its own temporary
// chunks directory and its own way of damaging what it stores.
#pragma once

#include <hangar/error.h>
#include <hangar/storage/chunk_store.h>
#include <hangar/storage/chunks.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "hdf5_chunk_store.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

namespace hangar::testing {

using hangar::code_of;

// Compressible bytes (zstd pays).
inline Bytes pattern(std::size_t n, int seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i / 16 + seed) % 11);
  return b;
}
// Incompressible bytes (stored raw).
inline Bytes noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
  return b;
}

inline Bytes slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes b(c.size());
  std::transform(c.begin(), c.end(), b.begin(), [](char x) { return static_cast<std::byte>(x); });
  return b;
}

inline void spit(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Flips one byte in the middle of the first occurrence of `stored` in any file under `dir`.
inline void flip_in_files(const std::filesystem::path& dir, ByteView stored) {
  REQUIRE(stored.size() >= 64);
  const ByteView needle = stored.subspan(stored.size() / 2 - 32, 64);
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    Bytes content = slurp(e.path());
    auto it = std::search(content.begin(), content.end(), needle.begin(), needle.end());
    if (it == content.end()) continue;
    *(it + 32) ^= std::byte{0x5a};
    spit(e.path(), content);
    return;
  }
  FAIL("stored bytes not found under " + dir.string());
}

template <storage::BackendCode Code>
struct BackendFixture {
  static constexpr storage::BackendCode kCode = Code;
  StorageTempDir dir{"conformance"};

  std::unique_ptr<storage::ChunkStore> open(bool read_only) {
    return storage::open_backend(Code, dir.path(), read_only);
  }
  storage::Chunks chunks(bool read_only) { return storage::Chunks::open(dir.path(), read_only); }
};

// "l0": one LMDB env; damage = a flipped byte inside the stored value (LMDB pages carry no
// checksum, so the re-hash on read is what catches it).
struct LmdbBackend : BackendFixture<storage::BackendCode::Lmdb> {
  void damage(const storage::ChunkLocation&, ByteView stored) {
    flip_in_files(dir.path() / "lmdb", stored);
  }
  std::string damage_names(const storage::ChunkLocation&, const Digest& d) {
    return "chunk " + d.hex();
  }
};

// "l1": chunks packed into LMDB segments; damage = a flipped byte inside the chunk's bytes in
// its segment (caught by the re-hash on read, like l0).
struct LmdbSegmentsBackend : BackendFixture<storage::BackendCode::LmdbSegments> {
  void damage(const storage::ChunkLocation&, ByteView stored) {
    flip_in_files(dir.path() / "segments", stored);
  }
  std::string damage_names(const storage::ChunkLocation&, const Digest& d) {
    return "chunk " + d.hex();
  }
};

// "h0": write-once pack files; damage = the pack's HDF5 superblock overwritten with garbage,
// which must cost only the chunks of that pack.
struct Hdf5Backend : BackendFixture<storage::BackendCode::Hdf5> {
  std::filesystem::path pack_of(const storage::ChunkLocation& loc) {
    auto store = storage::Hdf5ChunkStore::open(dir.path(), true);
    return store->pack_path(loc);
  }
  void damage(const storage::ChunkLocation& loc, ByteView) {
    const auto path = pack_of(loc);
    Bytes content = slurp(path);
    REQUIRE(content.size() > 512);
    std::fill(content.begin(), content.begin() + 512, std::byte{0x5a});
    spit(path, content);
  }
  std::string damage_names(const storage::ChunkLocation& loc, const Digest&) {
    return pack_of(loc).filename().string();
  }
};

}  // namespace hangar::testing
