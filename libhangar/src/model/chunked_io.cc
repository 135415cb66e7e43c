// Slice reads and region patches over a sample's chunk grid.
#include "model/chunked_io.h"

#include <hangar/error.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace hangar {
namespace {

std::vector<std::uint64_t> strides_of(const Shape& s) {
  std::vector<std::uint64_t> st(s.size(), 1);
  for (std::size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

std::uint64_t blocks_along(const ChunkGrid& g, std::size_t d) {
  return (g.shape[d] + g.chunk_shape[d] - 1) / g.chunk_shape[d];
}

// The positions a slice selects along one dimension, cut where they cross a block boundary:
// positions local_first + j * step (j < n) of block `block` go to out_first + j.
struct Run {
  std::uint64_t block;
  std::int64_t local_first;
  std::uint64_t n;
  std::uint64_t out_first;
};

std::vector<Run> runs_along(const SliceDim& s, std::uint64_t chunk) {
  std::vector<Run> runs;
  const auto cs = static_cast<std::int64_t>(chunk);
  std::uint64_t k = 0;
  while (k < s.count) {
    const std::int64_t pos = s.start + static_cast<std::int64_t>(k) * s.step;
    const std::int64_t b = pos / cs;
    const std::int64_t local = pos - b * cs;
    // Positions left in this block in the walking direction, divided by the stride.
    const std::uint64_t room = s.step > 0
                                   ? static_cast<std::uint64_t>((cs - 1 - local) / s.step) + 1
                                   : static_cast<std::uint64_t>(local / -s.step) + 1;
    const std::uint64_t n = std::min(room, s.count - k);
    runs.push_back(Run{static_cast<std::uint64_t>(b), local, n, k});
    k += n;
  }
  return runs;
}

// Copies the elements of one block that the slice selects (the runs `pick`) into `out`.
void copy_selected(ByteView block, const Shape& block_extent, const std::vector<const Run*>& pick,
                   const std::vector<SliceDim>& dims, MutableByteView out,
                   const std::vector<std::uint64_t>& out_strides, std::size_t elem) {
  const std::size_t nd = pick.size();
  const std::vector<std::uint64_t> bst = strides_of(block_extent);
  const Run& inner = *pick[nd - 1];
  const std::int64_t inner_step = dims[nd - 1].step;
  std::vector<std::uint64_t> j(nd, 0);  // position within each run; the last one stays 0
  while (true) {
    std::uint64_t b = 0, o = 0;
    for (std::size_t d = 0; d + 1 < nd; ++d) {
      b += static_cast<std::uint64_t>(pick[d]->local_first +
                                      static_cast<std::int64_t>(j[d]) * dims[d].step) *
           bst[d];
      o += (pick[d]->out_first + j[d]) * out_strides[d];
    }
    std::byte* dst = out.data() + (o + inner.out_first) * elem;
    if (inner_step == 1) {
      std::memcpy(dst, block.data() + (b + static_cast<std::uint64_t>(inner.local_first)) * elem,
                  inner.n * elem);
    } else {
      for (std::uint64_t k = 0; k < inner.n; ++k, dst += elem) {
        const auto local = static_cast<std::uint64_t>(inner.local_first +
                                                      static_cast<std::int64_t>(k) * inner_step);
        std::memcpy(dst, block.data() + (b + local) * elem, elem);
      }
    }
    std::size_t d = nd - 1;
    while (true) {
      if (d == 0) return;
      --d;
      if (++j[d] < pick[d]->n) break;
      j[d] = 0;
    }
  }
}

// Runs job(reader, scratch, j) for j in [0, jobs) on up to `threads` threads. Helper threads
// open their own reader of `chunks`; the calling thread uses `reader`. Jobs are handed out in
// order from a shared counter; after the first error the others stop and it is rethrown.
template <typename Job>
void run_jobs(const storage::Chunks* chunks, storage::ChunkReader& reader, std::size_t jobs,
              unsigned threads, const Job& job) {
  const auto helpers = chunks == nullptr ? 0 : std::min<std::size_t>(threads, jobs) - 1;
  if (helpers == 0 || threads <= 1) {
    Bytes scratch;
    for (std::size_t j = 0; j < jobs; ++j) job(reader, scratch, j);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::exception_ptr error;
  auto work = [&](storage::ChunkReader* own) {
    try {
      std::optional<storage::ChunkReader> mine;
      if (own == nullptr) own = &mine.emplace(chunks->reader());
      Bytes scratch;
      for (std::size_t j; !stop && (j = next++) < jobs;) job(*own, scratch, j);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
      stop = true;
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(helpers);
  try {
    for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work, nullptr);
  } catch (...) {  // no more threads: the ones we have (and this one) do the work
  }
  work(&reader);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

Tensor new_tensor(const Descriptor& d) {
  const std::uint64_t n = checked_element_count(d.shape, d.dtype, "sample") * dtype_size(d.dtype);
  Bytes bytes;
  bytes.reserve(n);  // allocated, not yet touched
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (n >= 2 * kHuge) {
    const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
    const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
    const std::uintptr_t last = (begin + n) & ~(kHuge - 1);
    if (last > first)  // advice only: failure just means small pages
      // NOLINTNEXTLINE(performance-no-int-to-ptr): page-aligned addresses of the mapping
      (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#endif
  bytes.resize(n);
  return Tensor(d.dtype, d.shape, std::move(bytes));
}

unsigned default_read_threads() noexcept {
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

void read_sample_into(const storage::Chunks* chunks, storage::ChunkReader& reader,
                      const Descriptor& d, MutableByteView out, unsigned threads) {
  if (out.size() != d.nbytes())
    fail(ErrorCode::InvalidArgument, "buffer has " + std::to_string(out.size()) +
                                         " bytes, the sample " + std::to_string(d.nbytes()));
  if (d.chunks.size() == 1) {
    reader.read(d.chunks[0], out);  // straight into the caller's buffer
    return;
  }
  const ChunkGrid grid{d.shape, d.chunk_shape};
  const std::size_t elem = dtype_size(d.dtype);
  run_jobs(chunks, reader, d.chunks.size(), threads,
           [&](storage::ChunkReader& r, Bytes& block, std::size_t i) {
             block.resize(block_bytes(grid, elem, i));
             r.read(d.chunks[i], block);
             scatter_block(grid, elem, block, i, out);  // blocks are disjoint: no races
           });
}

void copy_box(ByteView src, const Shape& src_shape, const Shape& src_origin, MutableByteView dst,
              const Shape& dst_shape, const Shape& dst_origin, const Shape& extent,
              std::size_t elem) {
  const std::size_t nd = extent.size();
  if (nd == 0) {
    std::memcpy(dst.data(), src.data(), elem);
    return;
  }
  for (auto e : extent)
    if (e == 0) return;
  const auto sst = strides_of(src_shape), dst_st = strides_of(dst_shape);
  const std::uint64_t run = extent[nd - 1] * elem;
  Shape idx(nd, 0);  // the last dim stays 0: each step copies one contiguous run
  while (true) {
    std::uint64_t so = 0, dof = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      so += (src_origin[d] + idx[d]) * sst[d];
      dof += (dst_origin[d] + idx[d]) * dst_st[d];
    }
    std::memcpy(dst.data() + dof * elem, src.data() + so * elem, run);
    std::size_t d = nd - 1;
    while (true) {
      if (d == 0) return;
      --d;
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
    }
  }
}

std::vector<std::uint64_t> blocks_touching(const ChunkGrid& grid, const Shape& origin,
                                           const Shape& extent) {
  const std::size_t nd = grid.shape.size();
  std::vector<std::uint64_t> out;
  if (nd == 0) return {0};
  Shape lo(nd), hi(nd), at(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    if (extent[d] == 0) return out;
    lo[d] = origin[d] / grid.chunk_shape[d];
    hi[d] = (origin[d] + extent[d] - 1) / grid.chunk_shape[d];
    at[d] = lo[d];
  }
  while (true) {
    std::uint64_t i = 0;
    for (std::size_t d = 0; d < nd; ++d) i = i * blocks_along(grid, d) + at[d];
    out.push_back(i);
    std::size_t d = nd;
    while (true) {
      if (d == 0) return out;
      --d;
      if (++at[d] <= hi[d]) break;
      at[d] = lo[d];
    }
  }
}

Tensor read_sample_slice(storage::ChunkReader& reader, const Descriptor& d,
                         const ResolvedSlice& slice, const storage::Chunks* chunks,
                         unsigned threads) {
  const std::size_t nd = d.shape.size();
  if (nd == 0) return read_sample(reader, d);
  Tensor out(d.dtype, slice.out_shape);  // at most the sample's size: checked when decoded
  for (const auto& s : slice.dims)
    if (s.count == 0) return out;
  const ChunkGrid grid{d.shape, d.chunk_shape};
  const std::size_t elem = dtype_size(d.dtype);
  Shape counts(nd);  // the result's layout, with dropped dims kept as size 1
  for (std::size_t k = 0; k < nd; ++k) counts[k] = slice.dims[k].count;
  const auto out_strides = strides_of(counts);

  std::vector<std::vector<Run>> runs(nd);
  for (std::size_t k = 0; k < nd; ++k) runs[k] = runs_along(slice.dims[k], d.chunk_shape[k]);
  // Every touched block with its runs: at most one entry per chunk of the sample.
  std::vector<std::vector<const Run*>> picks;
  std::vector<std::size_t> r(nd, 0);
  for (bool more = true; more;) {
    auto& pick = picks.emplace_back(nd);
    for (std::size_t k = 0; k < nd; ++k) pick[k] = &runs[k][r[k]];
    more = false;
    for (std::size_t k = nd; k-- > 0;) {
      if (++r[k] < runs[k].size()) {
        more = true;
        break;
      }
      r[k] = 0;
    }
  }
  MutableByteView dst = out.mutable_data();
  run_jobs(chunks, reader, picks.size(), threads,
           [&](storage::ChunkReader& rd, Bytes& block, std::size_t j) {
             const auto& pick = picks[j];
             std::uint64_t i = 0;
             for (std::size_t k = 0; k < nd; ++k) i = i * blocks_along(grid, k) + pick[k]->block;
             Shape origin, extent;
             grid.block(i, origin, extent);
             block.resize(block_bytes(grid, elem, i));
             rd.read(d.chunks.at(i), block);
             copy_selected(block, extent, pick, slice.dims, dst, out_strides, elem);
           });
  return out;
}

PreparedSample patch_sample(storage::ChunkReader& reader, const Descriptor& d, const Shape& origin,
                            const TensorView& patch, int zstd_level) {
  const std::size_t nd = d.shape.size();
  if (patch.dtype != d.dtype)
    fail(ErrorCode::InvalidArgument, "region is " + std::string(dtype_name(patch.dtype)) +
                                         ", the sample " + std::string(dtype_name(d.dtype)));
  if (patch.shape.size() != nd || origin.size() != nd)
    fail(ErrorCode::InvalidArgument,
         "region " + shape_to_string(patch.shape) + " at " + shape_to_string(origin) +
             " does not match the rank of the sample " + shape_to_string(d.shape));
  for (std::size_t k = 0; k < nd; ++k)
    if (origin[k] > d.shape[k] || patch.shape[k] > d.shape[k] - origin[k])
      fail(ErrorCode::InvalidArgument, "region " + shape_to_string(patch.shape) + " at " +
                                           shape_to_string(origin) + " lies outside the sample " +
                                           shape_to_string(d.shape));
  const std::size_t elem = dtype_size(d.dtype);
  if (checked_element_count(patch.shape, patch.dtype, "region") * elem != patch.data.size())
    fail(ErrorCode::InvalidArgument, "region data has " + std::to_string(patch.data.size()) +
                                         " bytes, its shape needs another size");
  const ChunkGrid grid{d.shape, d.chunk_shape};
  Descriptor changed = d;
  PreparedSample out;
  Bytes block;
  Shape bo, be, lo(nd), size(nd), in_patch(nd), in_block(nd);
  for (std::uint64_t i : blocks_touching(grid, origin, patch.shape)) {
    grid.block(i, bo, be);
    bool full = true;
    for (std::size_t k = 0; k < nd; ++k) {
      lo[k] = std::max(bo[k], origin[k]);
      const std::uint64_t hi = std::min(bo[k] + be[k], origin[k] + patch.shape[k]);
      size[k] = hi - lo[k];
      in_patch[k] = lo[k] - origin[k];
      in_block[k] = lo[k] - bo[k];
      full = full && size[k] == be[k];
    }
    block.resize(block_bytes(grid, elem, i));
    if (!full) reader.read(d.chunks.at(i), block);
    copy_box(patch.data, patch.shape, in_patch, block, be, in_block, size, elem);
    storage::EncodedChunk c = storage::encode_chunk(block, zstd_level);
    if (c.digest == d.chunks[i]) continue;  // the region wrote what was there
    changed.chunks[i] = c.digest;
    out.chunks.push_back(std::move(c));
  }
  SampleName name = name_sample(changed);
  out.id = name.id;
  out.descriptor = std::move(name.descriptor);
  out.nbytes = d.nbytes();
  return out;
}

}  // namespace hangar
