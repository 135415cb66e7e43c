// Format-1 h0 pack files (h0_pack1.h).
#include "format1/h0_pack1.h"

#include <hangar/error.h>
#include <hdf5.h>

#include <cstdio>
#include <list>
#include <string>
#include <utility>

namespace hangar::format1 {
namespace {

constexpr std::size_t kOpenPacks = 8;

// Silences HDF5's error printing for the scope of a call sequence, then restores it.
class Quiet {
 public:
  Quiet() noexcept {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() {
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, func_, data_);
  }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Owns one HDF5 id; closes it with Close.
template <herr_t (*Close)(hid_t)>
class Id {
 public:
  explicit Id(hid_t id = H5I_INVALID_HID) noexcept : id_(id) {}
  Id(Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Id& operator=(Id&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) (void)Close(id_);
  }
  hid_t get() const noexcept { return id_; }

 private:
  hid_t id_;
};

struct Pack {
  std::uint64_t id = 0;
  std::string path;
  Id<H5Fclose> file;
};

}  // namespace

struct H0Packs1::Impl {
  std::filesystem::path dir;
  std::list<Pack> open;  // most recently used first

  Pack& pack(std::uint64_t id) {
    for (auto it = open.begin(); it != open.end(); ++it) {
      if (it->id != id) continue;
      open.splice(open.begin(), open, it);
      return open.front();
    }
    char name[40];
    std::snprintf(name, sizeof name, "pack-%016llx.h5", static_cast<unsigned long long>(id));
    Pack p{id, (dir / name).string(), Id<H5Fclose>()};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p.path, ec))
      fail(ErrorCode::Corrupt, "h0 pack file '" + p.path + "' is missing");
    p.file = Id<H5Fclose>(H5Fopen(p.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (p.file.get() < 0) fail(ErrorCode::Corrupt, "cannot open h0 pack file '" + p.path + "'");
    if (open.size() == kOpenPacks) open.pop_back();
    open.push_front(std::move(p));
    return open.front();
  }
};

H0Packs1::H0Packs1(std::filesystem::path hdf5_dir)
    : impl_(std::make_unique<Impl>(Impl{std::move(hdf5_dir), {}})) {}
H0Packs1::H0Packs1(H0Packs1&&) noexcept = default;
H0Packs1& H0Packs1::operator=(H0Packs1&&) noexcept = default;
H0Packs1::~H0Packs1() {
  const Quiet quiet;
  impl_.reset();
}

void H0Packs1::read(std::uint64_t pack_id, std::uint64_t row, std::uint32_t raw_size, bool zstd,
                    MutableByteView out) {
  const Quiet quiet;
  Pack& pack = impl_->pack(pack_id);
  std::string group = "r";  // built step by step: GCC 12 warns (-Wrestrict) on "r" + string
  group += std::to_string(raw_size);
  const std::string table = group + "/data";
  const std::string where =
      "h0 pack file '" + pack.path + "' table " + table + " row " + std::to_string(row);
  if (H5Lexists(pack.file.get(), group.c_str(), H5P_DEFAULT) <= 0 ||
      H5Lexists(pack.file.get(), table.c_str(), H5P_DEFAULT) <= 0)
    fail(ErrorCode::Corrupt, where + " is missing");
  const Id<H5Dclose> data(H5Dopen2(pack.file.get(), table.c_str(), H5P_DEFAULT));
  const Id<H5Sclose> space(data.get() < 0 ? H5I_INVALID_HID : H5Dget_space(data.get()));
  hsize_t dims[2] = {0, 0};
  if (space.get() < 0 || H5Sget_simple_extent_ndims(space.get()) != 2 ||
      H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0 || dims[1] != raw_size)
    fail(ErrorCode::Corrupt, where + ": not a table of " + std::to_string(raw_size) + "-byte rows");
  if (row >= dims[0]) fail(ErrorCode::Corrupt, where + " is past the table's end");
  const hsize_t offset[2] = {row, 0};
  hsize_t stored = 0;
  if (H5Dget_chunk_storage_size(data.get(), offset, &stored) < 0 || stored != out.size())
    fail(ErrorCode::Corrupt, where + " stores " + std::to_string(stored) + " bytes, expected " +
                                 std::to_string(out.size()));
  if (out.empty()) return;
  std::uint32_t mask = 0;
  if (H5Dread_chunk(data.get(), H5P_DEFAULT, offset, &mask, out.data()) < 0)
    fail(ErrorCode::Corrupt, where + ": H5Dread_chunk failed");
  if (mask != (zstd ? 0u : 1u))
    fail(ErrorCode::Corrupt, where + " has filter mask " + std::to_string(mask) + ", expected " +
                                 (zstd ? "0 (zstd)" : "1 (raw)"));
}

}  // namespace hangar::format1
