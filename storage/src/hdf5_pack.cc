// HDF5 pack files of backend "h0": writing one pack, reading rows of flushed packs.
#include "hdf5_pack.h"

#include <hangar/error.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hdf5_zstd_filter.h"

namespace hangar::storage::h5 {
namespace {

// Grow the data table's extent by doubling (shrunk to the row count by finish()), so an append
// is one chunk write, not an extent change plus a chunk write.
constexpr std::uint64_t kInitialRows = 16;

std::string quoted(const std::filesystem::path& p) { return "hdf5 pack '" + p.string() + "'"; }

void register_filter(const std::string& context) {
  static bool registered = false;  // guarded by the Session the caller holds
  if (registered) return;
  if (!ensure_zstd_filter()) fail_call("H5Zregister(zstd 32015)", context, ErrorCode::Io);
  registered = true;
}

Plist file_access(bool for_writing) {
  Plist fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", "file access"));
  if (for_writing) {
    // 1.10 format: extensible-array chunk index for the growing tables (h5py >= 2.x reads it).
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110),
          "H5Pset_libver_bounds", "file access");
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "H5Pset_fclose_degree",
          "file access");
  }
  // Readers keep the default close degree: HDF5 refuses a second open of a file with another
  // degree, and other code in the process may open a pack with the defaults.
  // HDF5's own file locks keep other HDF5 programs off a pack being written; where the file
  // system has no locks (some network file systems) go on without them: hangar's writer lock
  // and write-once packs are what keep hangar's own processes apart.
  check(H5Pset_file_locking(fapl.get(), true, true), "H5Pset_file_locking", "file access");
  return fapl;
}

void write_u32_attr(hid_t obj, const char* name, std::uint32_t value, const std::string& ctx) {
  Dataspace space(check(H5Screate(H5S_SCALAR), "H5Screate", ctx));
  Attribute attr(check(H5Acreate2(obj, name, H5T_STD_U32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "H5Acreate2", ctx));
  check(H5Awrite(attr.get(), H5T_NATIVE_UINT32, &value), "H5Awrite", ctx);
}

}  // namespace

std::string table_name(std::uint32_t raw_size) {
  std::string name = std::to_string(raw_size);
  name.insert(name.begin(), 'r');  // not "r" + ...: GCC 12 -Wrestrict false positive
  return name;
}

std::string pack_file_name(std::uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "pack-%016llx.h5", static_cast<unsigned long long>(id));
  return buf;
}

std::uint64_t parse_pack_file_name(const std::string& name) {
  if (name.size() != 24 || name.rfind("pack-", 0) != 0 || name.substr(21) != ".h5") return 0;
  std::uint64_t id = 0;
  for (std::size_t i = 5; i < 21; ++i) {
    const char c = name[i];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return 0;
    id = id << 4 | static_cast<std::uint64_t>(v);
  }
  return id;
}

// ---- PackWriter ------------------------------------------------------------------------------

PackWriter::PackWriter(std::filesystem::path path, File file)
    : path_(std::move(path)), file_(std::move(file)) {}

PackWriter PackWriter::create(const std::filesystem::path& path) {
  const std::string ctx = quoted(path);
  register_filter(ctx);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) fail(ErrorCode::AlreadyExists, ctx + " already exists");
  Plist fapl = file_access(true);
  File file(
      check(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()), "H5Fcreate", ctx));
  write_u32_attr(file.get(), kPackFormatAttr, kPackFormat, ctx);
  return PackWriter(path, std::move(file));
}

PackWriter::Table& PackWriter::table(std::uint32_t raw_size) {
  auto it = tables_.find(raw_size);
  if (it != tables_.end()) return it->second;
  const std::string name = table_name(raw_size);
  const std::string ctx = quoted(path_) + " table " + name;
  Table t;
  t.group =
      Group(check(H5Gcreate2(file_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "H5Gcreate2", ctx));
  const hsize_t dims[2] = {kInitialRows, raw_size};
  const hsize_t max_dims[2] = {H5S_UNLIMITED, raw_size};
  const hsize_t chunk[2] = {1, raw_size};
  Dataspace space(check(H5Screate_simple(2, dims, max_dims), "H5Screate_simple", ctx));
  Plist dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", ctx));
  check(H5Pset_chunk(dcpl.get(), 2, chunk), "H5Pset_chunk", ctx);
  const unsigned level = kZstdFilterLevel;
  check(H5Pset_filter(dcpl.get(), kZstdFilterId, H5Z_FLAG_MANDATORY, 1, &level), "H5Pset_filter",
        ctx);
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time", ctx);
  check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_INCR), "H5Pset_alloc_time", ctx);
  t.data = Dataset(check(H5Dcreate2(t.group.get(), kDataName, H5T_STD_U8LE, space.get(),
                                    H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                         "H5Dcreate2", ctx));
  t.capacity = kInitialRows;
  return tables_.emplace(raw_size, std::move(t)).first->second;
}

std::uint64_t PackWriter::append(const Digest& id, ChunkCodec codec, std::uint32_t raw_size,
                                 ByteView stored) {
  Table& t = table(raw_size);
  const std::string ctx = quoted(path_) + " table " + table_name(raw_size);
  if (t.rows == t.capacity) {
    const hsize_t dims[2] = {t.capacity * 2, raw_size};
    check(H5Dset_extent(t.data.get(), dims), "H5Dset_extent", ctx);
    t.capacity *= 2;
  }
  const hsize_t offset[2] = {t.rows, 0};
  const std::uint32_t mask = codec == ChunkCodec::Zstd ? 0 : kSkipZstd;
  check(H5Dwrite_chunk(t.data.get(), H5P_DEFAULT, mask, offset, stored.size(), stored.data()),
        "H5Dwrite_chunk", ctx);
  t.digests.push_back(id);
  ++rows_;
  return t.rows++;
}

void PackWriter::finish() {
  for (auto& [raw_size, t] : tables_) {
    const std::string ctx = quoted(path_) + " table " + table_name(raw_size);
    const hsize_t dims[2] = {t.rows, raw_size};
    check(H5Dset_extent(t.data.get(), dims), "H5Dset_extent", ctx);
    const hsize_t ddims[2] = {t.rows, Digest::kSize};
    Dataspace space(check(H5Screate_simple(2, ddims, nullptr), "H5Screate_simple", ctx));
    Dataset digests(check(H5Dcreate2(t.group.get(), kDigestName, H5T_STD_U8LE, space.get(),
                                     H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          "H5Dcreate2", ctx));
    Bytes flat;
    flat.reserve(t.digests.size() * Digest::kSize);
    for (const Digest& d : t.digests) flat.insert(flat.end(), d.view().begin(), d.view().end());
    check(H5Dwrite(digests.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, flat.data()),
          "H5Dwrite", ctx);
  }
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "H5Fflush", quoted(path_));
  tables_.clear();
  check(H5Fclose(file_.release()), "H5Fclose", quoted(path_));
}

void PackWriter::abandon() noexcept {
  tables_.clear();
  file_.reset();
}

// ---- PackReader ------------------------------------------------------------------------------

PackReader::PackReader(std::filesystem::path path, File file)
    : path_(std::move(path)), file_(std::move(file)) {}

std::string PackReader::context() const { return quoted(path_); }

PackReader PackReader::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail(ErrorCode::Corrupt, quoted(path) + " is missing", Hint{.action = HintAction::Fsck});
  register_filter(quoted(path));
  const Plist fapl = file_access(false);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) {
    try {
      fail_call("H5Fopen", quoted(path), ErrorCode::Corrupt);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Corrupt) throw;
      fail(ErrorCode::Corrupt, e.what(), Hint{.action = HintAction::Fsck});
    }
  }
  return PackReader(path, File(id));
}

PackReader::Table* PackReader::table(std::uint32_t raw_size) {
  auto it = tables_.find(raw_size);
  if (it != tables_.end()) return &it->second;
  std::string path = table_name(raw_size);
  path.append("/").append(kDataName);
  const std::string ctx = context() + " table " + table_name(raw_size);
  const htri_t exists = H5Lexists(file_.get(), table_name(raw_size).c_str(), H5P_DEFAULT);
  if (check(exists, "H5Lexists", ctx, ErrorCode::Corrupt) == 0) return nullptr;
  if (check(H5Lexists(file_.get(), path.c_str(), H5P_DEFAULT), "H5Lexists", ctx,
            ErrorCode::Corrupt) == 0)
    return nullptr;
  Table t;
  t.data = Dataset(
      check(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), "H5Dopen2", ctx, ErrorCode::Corrupt));
  Dataspace space(check(H5Dget_space(t.data.get()), "H5Dget_space", ctx, ErrorCode::Corrupt));
  hsize_t dims[2] = {0, 0};
  if (check(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims", ctx,
            ErrorCode::Corrupt) != 2)
    fail(ErrorCode::Corrupt, ctx + " is not a 2-d table", Hint{.action = HintAction::Fsck});
  check(H5Sget_simple_extent_dims(space.get(), dims, nullptr), "H5Sget_simple_extent_dims", ctx,
        ErrorCode::Corrupt);
  if (dims[1] != raw_size)
    fail(ErrorCode::Corrupt,
         ctx + " has rows of " + std::to_string(dims[1]) + " bytes, expected " +
             std::to_string(raw_size),
         Hint{.action = HintAction::Fsck});
  t.rows = dims[0];
  return &tables_.emplace(raw_size, std::move(t)).first->second;
}

std::int64_t PackReader::stored_size(std::uint32_t raw_size, std::uint64_t row) {
  Table* t = table(raw_size);
  if (t == nullptr || row >= t->rows) return -1;
  const hsize_t offset[2] = {row, 0};
  hsize_t size = 0;
  check(H5Dget_chunk_storage_size(t->data.get(), offset, &size), "H5Dget_chunk_storage_size",
        context() + " row " + std::to_string(row), ErrorCode::Corrupt);
  return static_cast<std::int64_t>(size);
}

std::uint64_t PackReader::stored_bytes() {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  check(H5Literate(file_.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect, &names),
        "H5Literate", context(), ErrorCode::Corrupt);
  std::uint64_t total = 0;
  for (const std::string& name : names) {
    std::uint32_t raw_size = 0;
    bool ok = name.size() > 1 && name.size() <= 11 && name[0] == 'r';
    for (std::size_t i = 1; ok && i < name.size(); ++i) ok = name[i] >= '0' && name[i] <= '9';
    if (ok) {
      const std::uint64_t v = std::strtoull(name.c_str() + 1, nullptr, 10);
      ok = v <= kMaxChunkBytes && table_name(static_cast<std::uint32_t>(v)) == name;
      raw_size = static_cast<std::uint32_t>(v);
    }
    if (!ok)
      fail(ErrorCode::Corrupt, context() + " holds '" + name + "', not a table",
           Hint{.action = HintAction::Fsck});
    const Table* t = table(raw_size);
    if (t == nullptr) continue;
    for (std::uint64_t row = 0; row < t->rows; ++row) {
      const std::int64_t size = stored_size(raw_size, row);
      if (size > 0) total += static_cast<std::uint64_t>(size);
    }
  }
  return total;
}

void PackReader::read(std::uint32_t raw_size, std::uint64_t row, ChunkCodec codec,
                      MutableByteView out) {
  const std::string where =
      context() + " table " + table_name(raw_size) + " row " + std::to_string(row);
  const std::int64_t size = stored_size(raw_size, row);
  if (size < 0) fail(ErrorCode::Corrupt, where + " is missing", Hint{.action = HintAction::Fsck});
  // H5Dread_chunk writes the whole stored chunk: its size must be checked before reading.
  if (static_cast<std::uint64_t>(size) != out.size())
    fail(ErrorCode::Corrupt,
         where + " stores " + std::to_string(size) + " bytes, expected " +
             std::to_string(out.size()),
         Hint{.action = HintAction::Fsck});
  if (out.empty()) return;
  const hsize_t offset[2] = {row, 0};
  std::uint32_t mask = 0;
  check(H5Dread_chunk(tables_.at(raw_size).data.get(), H5P_DEFAULT, offset, &mask, out.data()),
        "H5Dread_chunk", where, ErrorCode::Corrupt);
  const std::uint32_t want = codec == ChunkCodec::Zstd ? 0 : kSkipZstd;
  if (mask != want)
    fail(ErrorCode::Corrupt,
         where + " has filter mask " + std::to_string(mask) + ", expected " + std::to_string(want) +
             " for a " + std::string(codec_name(codec)) + " chunk",
         Hint{.action = HintAction::Fsck});
}

}  // namespace hangar::storage::h5
