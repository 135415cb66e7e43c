// import_files: decode files on worker threads, stage them in key order from one writer.
//
// Workers take file indexes from a shared counter and decode, check and chunk each file
// (the expensive part: image decode, zstd, hashing). The calling thread collects results in
// index order within a bounded window (memory is bounded by the window, not the folder). It
// appends chunk bytes to the backend as they come (Chunks::stage, every kStageBytes), has the
// backend write them out every kWriteBackBytes (no index commit, no full fsync), and stages the
// samples of an epoch (up to kEpochSamples) at once: one flush, one index commit and one meta
// transaction. So an import of thousands of files does a handful of
// fsyncs, not three per batch; a crash loses at most the staged, uncommitted epoch, which the
// durability rule allows. On any error, an interrupt (Ctrl-C) too, the staged state of the
// column is restored: cleared when the column had no staged samples before the import (the
// usual case, which needs no per-file state), else from an undo log of the keys staged, so a
// failed import stages nothing.
#include <fcntl.h>
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/io.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "io/image_format.h"
#include "io/tensor_file.h"
#include "repo/backend_choice.h"
#include "repo/column_view.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "repo/stage_batch.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

// One file to import: 12 bytes, its key in FileList::keys (a million files: ~26 MB, not the
// ~40 MB of a std::string each). Its path is not kept (a std::filesystem::path holds its parsed
// parts: ~450 bytes each); FileList::path rebuilds it from key and extension.
struct SourceFile {
  std::uint32_t key_at = 0;  // offset of the key in FileList::keys
  std::uint16_t key_len = 0;
  std::uint8_t ext = 0;     // index in FileList::exts
  std::int32_t label = -1;  // class id with --labels
};

struct FileList {
  fs::path root;
  bool single = false;  // root is the one file to import
  // Regular files without an image or .npy extension: how many, the first few (relative).
  std::uint64_t ignored = 0;
  std::vector<std::string> ignored_examples;
  std::vector<std::string> exts;  // the extensions as the files have them, e.g. ".PNG"
  std::vector<SourceFile> files;
  std::string keys;  // every file's key: relative path without extension, '/'-separated

  std::string_view key(const SourceFile& f) const {
    return std::string_view(keys).substr(f.key_at, f.key_len);
  }
  SourceFile add(std::string_view key, std::uint8_t ext) {
    if (key.size() > UINT16_MAX || keys.size() + key.size() > UINT32_MAX)
      fail(ErrorCode::InvalidArgument, "too many files, or too long paths, to import at once");
    SourceFile f{static_cast<std::uint32_t>(keys.size()), static_cast<std::uint16_t>(key.size()),
                 ext, -1};
    keys.append(key);
    return f;
  }
  fs::path path(const SourceFile& f) const {
    if (single) return root;
    std::string rel(key(f));
    rel += exts[f.ext];
    return root / rel;
  }
  std::uint8_t ext_index(const std::string& ext) {
    auto it = std::find(exts.begin(), exts.end(), ext);
    if (it != exts.end()) return static_cast<std::uint8_t>(it - exts.begin());
    exts.push_back(ext);  // < 256: the case spellings of .png, .jpg, .jpeg and .npy
    return static_cast<std::uint8_t>(exts.size() - 1);
  }
};

// Why `e` (neither a regular file nor a folder once symbolic links are followed) is skipped.
std::string skip_reason(const fs::directory_entry& e) {
  std::error_code ec;
  const fs::file_status st = fs::status(e.path(), ec);
  if (ec.value() == ELOOP) return "a symbolic link loop";
  if (st.type() == fs::file_type::not_found || ec == std::errc::no_such_file_or_directory)
    return "a dangling symbolic link";
  if (ec) return "cannot look at it: " + ec.message();
  switch (st.type()) {
    case fs::file_type::fifo:
      return "a FIFO, not a regular file";
    case fs::file_type::socket:
      return "a socket, not a regular file";
    case fs::file_type::block:
      return "a block device, not a regular file";
    case fs::file_type::character:
      return "a character device, not a regular file";
    default:
      return "not a regular file";
  }
}

FileList list_files(const fs::path& root, bool recursive,
                    const std::function<void(const SkippedEntry&)>& on_skip,
                    std::uint64_t& skipped) {
  std::error_code ec;
  auto status = fs::status(root, ec);
  if (ec || !fs::exists(status))
    fail(ErrorCode::NotFound, "cannot import '" + root.string() + "': no such file or folder");
  FileList list{root, false, 0, {}, {}, {}, {}};
  std::vector<SourceFile>& out = list.files;
  if (fs::is_regular_file(status)) {
    if (!io::format_from_extension(root))
      fail(ErrorCode::InvalidArgument,
           "cannot import '" + root.string() + "': not a .png, .jpg, .jpeg or .npy file");
    list.single = true;
    const std::uint8_t ext = list.ext_index(root.extension().string());
    out.push_back(list.add(root.stem().string(), ext));
    return list;
  }
  auto add = [&](const fs::directory_entry& e) {
    // Errors are values here: one odd entry must not abort the listing with a raw message.
    std::error_code sec;
    const fs::file_status st = fs::status(e.path(), sec);
    if (!sec && fs::is_directory(st)) return;
    if (sec || !fs::is_regular_file(st)) {
      ++skipped;
      if (on_skip) on_skip({e.path(), skip_reason(e)});
      return;
    }
    fs::path rel = e.path().lexically_relative(root);
    if (!io::format_from_extension(e.path())) {
      if (++list.ignored <= kIgnoredExamples) list.ignored_examples.push_back(rel.generic_string());
      return;
    }
    const std::uint8_t ext = list.ext_index(rel.extension().string());
    rel.replace_extension();
    out.push_back(list.add(rel.generic_string(), ext));
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      add(*it);
  } else {
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) add(*it);
  }
  if (ec) fail_errno(ec.value(), "cannot list folder", root.string());
  std::sort(out.begin(), out.end(),
            [&](const SourceFile& a, const SourceFile& b) { return list.key(a) < list.key(b); });
  for (std::size_t i = 0; i < out.size(); ++i) {
    try {
      validate_string_key(list.key(out[i]));
    } catch (const Error& e) {
      throw e.with_context("cannot import '" + list.path(out[i]).string() + "'");
    }
    if (i > 0 && list.key(out[i]) == list.key(out[i - 1]))
      fail(ErrorCode::InvalidArgument, "cannot import: '" + list.path(out[i - 1]).string() +
                                           "' and '" + list.path(out[i]).string() +
                                           "' would both get key '" +
                                           std::string(list.key(out[i])) + "'; rename one");
  }
  if (out.empty())
    fail(ErrorCode::InvalidArgument, "no .png, .jpg, .jpeg or .npy files in '" + root.string() +
                                         "'" +
                                         (recursive ? "" : "; use --recursive for sub-folders"));
  return list;
}

// Assigns class ids from the first path segment: sorted names -> 0..n-1. Into an existing labels
// column (`known`, its classes) only its classes may come, unless `add_classes`: then the other
// names, sorted, get the ids after the old ones (`added`).
std::vector<std::string> assign_labels(FileList& list, std::vector<std::string> known,
                                       const std::string& column, bool add_classes,
                                       std::vector<std::string>& added) {
  std::vector<SourceFile>& files = list.files;
  std::set<std::string> names;
  for (const auto& f : files) {
    const std::string_view key = list.key(f);
    auto slash = key.find('/');
    if (slash == std::string::npos)
      fail(ErrorCode::InvalidArgument, "cannot import '" + list.path(f).string() +
                                           "' with --labels: it is not inside a class folder");
    names.emplace(key.substr(0, slash));
  }
  if (known.empty()) known.assign(names.begin(), names.end());
  std::string unknown;
  for (const auto& n : names)
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      added.push_back(n);  // `names` is sorted
      unknown += (unknown.empty() ? "'" : ", '") + n + "'";
    }
  if (!added.empty() && !add_classes)
    fail(ErrorCode::InvalidArgument,
         "class folder" + std::string(added.size() == 1 ? " " : "s ") + unknown +
             (added.size() == 1 ? " is" : " are") + " not among the classes of labels column '" +
             column + "'",
         Hint{.action = HintAction::AddClasses, .column = column});
  known.insert(known.end(), added.begin(), added.end());
  std::string_view last_class;
  std::int32_t last_id = -1;
  for (auto& f : files) {
    const std::string_view key = list.key(f);
    const std::string_view cls = key.substr(0, key.find('/'));
    if (last_id < 0 || cls != last_class) {  // files are sorted: a class is one run
      last_class = cls;
      last_id =
          static_cast<std::int32_t>(std::find(known.begin(), known.end(), cls) - known.begin());
    }
    f.label = last_id;
  }
  return known;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto nl = s.find('\n', start);
    if (nl == s.npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

// A file may be this much larger than the tensor it decodes to (npy header, PNG/JPEG metadata).
constexpr std::uint64_t kFileSlack = std::uint64_t{1} << 20;
std::uint64_t file_limit(std::uint64_t max_sample_bytes) {
  return max_sample_bytes > io::kMaxFileBytes - kFileSlack ? io::kMaxFileBytes
                                                           : max_sample_bytes + kFileSlack;
}

// The decoded bytes of `dtype` `shape`. Throws: InvalidArgument over `limit`.
std::uint64_t declared_bytes(const fs::path& path, DType dtype, const Shape& shape,
                             std::uint64_t limit) {
  // checked_element_count bounds the product (<= kMaxTensorBytes): no overflow.
  std::string quoted = "'";  // appended piecewise: GCC 12 -O3 -Wrestrict
  quoted.append(path.string()).append("'");
  const std::uint64_t n = checked_element_count(shape, dtype, quoted) * dtype_size(dtype);
  if (n > limit) {
    std::string m = "cannot import ";
    m.append(quoted).append(": it declares ").append(dtype_name(dtype)).append(" ");
    m.append(shape_to_string(shape)).append(", ").append(std::to_string(n));
    m.append(" bytes decoded, more than the per-file limit of ").append(std::to_string(limit));
    m.append(" bytes; raise it with --max-sample-bytes if the file is genuine");
    fail(ErrorCode::InvalidArgument, m);
  }
  return n;
}

struct Decoded {
  PreparedSample sample;
  std::uint64_t file_bytes = 0;
};

// Decodes files in parallel and hands them out in index order. Wake-ups are rationed: a waiting
// consumer is woken once the file it waits for and a batch after it are done, and waiting
// workers once half the window is free, so threads do not ping-pong through the kernel per
// file (that alone cost a fifth of the CPU of importing 20,000 small images).
//
// A readahead thread runs up to kReadAhead files ahead of the workers and asks the kernel to
// read each one in (POSIX_FADV_WILLNEED, which returns at once): files that are not in the
// page cache are read many at a time instead of one per worker, which waits on each read.
// Once kWarmRun files in a row were in the page cache already, it only probes one file in
// kProbeStride (an open and close per file cost 3% of the CPU of importing warm small images),
// until a probe finds one that is not.
class DecodePool {
 public:
  DecodePool(const FileList& files, const ColumnSchema& schema, const ChunkOptions& options,
             unsigned jobs, std::uint64_t max_sample_bytes, std::uint64_t budget)
      : list_(files),
        files_(files.files),
        schema_(schema),
        options_(options),
        window_(std::max<std::size_t>(64, std::size_t{16} * jobs)),
        max_sample_bytes_(max_sample_bytes),
        budget_(budget) {
    for (unsigned i = 0; i < jobs; ++i) threads_.emplace_back([this] { work(); });
    if (!list_.single) threads_.emplace_back([this] { read_ahead(); });
  }
  ~DecodePool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    workers_cv_.notify_all();
    budget_cv_.notify_all();
    ahead_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // The most bytes the workers held at once (reserve()).
  std::uint64_t peak_bytes() {
    std::lock_guard lock(mu_);
    return peak_;
  }

  // The result for file `i`, waiting for it. Rethrows a worker's error.
  Decoded take(std::size_t i) {
    std::unique_lock lock(mu_);
    auto it = done_.find(i);
    while (!error_ && it == done_.end()) {
      awaited_ = i;
      wake_at_ = std::min(i + window_ / 4, files_.size() - 1);
      consumer_cv_.wait(lock);
      it = done_.find(i);
    }
    awaited_ = kNone;
    if (error_) std::rethrow_exception(error_);
    Decoded d = std::move(it->second);
    done_.erase(it);
    consumed_ = i + 1;
    // The writer owns the sample now (its chunk bytes go out in kStageBytes steps).
    if (auto r = reserved_.find(i); r != reserved_.end()) {
      in_flight_ -= r->second;
      reserved_.erase(r);
    }
    budget_cv_.notify_all();
    if (idle_workers_ > 0 && consumed_ + window_ >= next_ + window_ / 2) workers_cv_.notify_all();
    return d;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  static constexpr std::size_t kReadAhead = 512;   // files
  static constexpr std::size_t kWarmRun = 256;     // files
  static constexpr std::size_t kProbeStride = 64;  // files

  void work() {
    while (true) {
      std::size_t i;
      {
        std::unique_lock lock(mu_);
        while (!stop_ && !error_ && next_ >= consumed_ + window_) {
          ++idle_workers_;
          workers_cv_.wait(lock);
          --idle_workers_;
        }
        if (stop_ || error_ || next_ >= files_.size()) return;
        i = next_++;
        if (ahead_ < next_ + kReadAhead / 2) ahead_cv_.notify_one();
      }
      bool wake = false;
      try {
        Decoded d = decode(i, files_[i]);
        std::lock_guard lock(mu_);
        done_.emplace(i, std::move(d));
        // The consumer waits for `awaited_`; wake it when that file and the following batch (or
        // all that may come before the window is full) are done.
        // Workers held back by the byte budget finish no batch: wake it for each file then.
        wake = awaited_ != kNone && done_.count(awaited_) != 0 &&
               (done_.count(wake_at_) != 0 || done_.size() >= window_ / 4 ||
                next_ >= files_.size() || budget_waiters_ > 0);
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = std::current_exception();
        wake = true;
      }
      if (wake) consumer_cv_.notify_one();
      if (wake && error_) budget_cv_.notify_all();
    }
  }

  // Asks the kernel to read the files in ahead of the workers. Best effort: a file that cannot
  // be opened here is reported by the worker that reads it.
  void read_ahead() {
    std::size_t warm = 0;  // files in a row found in the page cache
    while (true) {
      std::size_t j;
      {
        std::unique_lock lock(mu_);
        ahead_cv_.wait(lock, [&] {
          return stop_ || error_ || ahead_ >= files_.size() || ahead_ < next_ + kReadAhead;
        });
        ahead_ = std::max(ahead_, next_);  // the workers went past: skip what they read
        if (stop_ || error_ || ahead_ >= files_.size()) return;
        j = ahead_;
        ahead_ += warm >= kWarmRun ? kProbeStride : 1;
      }
      const int fd = ::open(list_.path(files_[j]).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) continue;
      // A read that must not wait fails with EAGAIN when the first page is not cached.
      char byte;
      iovec first{&byte, 1};
      if (::preadv2(fd, &first, 1, 0, RWF_NOWAIT) >= 0) {
        ++warm;
      } else {
        warm = 0;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
      }
      ::close(fd);
    }
  }

  // Waits until `bytes` more fit in the budget, or file `i` is the one the writer takes next
  // (so the pool always moves: every file before it is done), then holds them until take(i).
  void reserve(std::size_t i, std::uint64_t bytes) {
    std::unique_lock lock(mu_);
    ++budget_waiters_;
    // The writer may be asleep on a file that is done, waiting for a batch the budget now holds
    // back (see work()): it must take that file before this one can go on.
    if (awaited_ != kNone && done_.count(awaited_) != 0) consumer_cv_.notify_one();
    budget_cv_.wait(
        lock, [&] { return stop_ || error_ || in_flight_ + bytes <= budget_ || i == consumed_; });
    --budget_waiters_;
    if (stop_ || error_) fail(ErrorCode::Interrupted, "import stopped");
    in_flight_ += bytes;
    reserved_[i] += bytes;
    peak_ = std::max(peak_, in_flight_);
  }

  Decoded decode(std::size_t i, const SourceFile& f) {
    Decoded d;
    Bytes raw;
    const fs::path path = list_.path(f);
    // Refuses what is over the per-file limit and waits for room in the budget, from what the
    // header declares: before the tensor is allocated.
    const auto on_declared = [&](DType dtype, const Shape& shape) {
      const std::uint64_t n = declared_bytes(path, dtype, shape, max_sample_bytes_);
      reserve(i, n + raw.size());
    };
    Tensor t = io::read_tensor_file_bytes(path, raw, on_declared, file_limit(max_sample_bytes_));
    d.file_bytes = raw.size();
    raw = Bytes();
    try {
      check_fits(schema_, t.dtype(), t.shape(), list_.key(f));
    } catch (const Error& e) {
      if (t.dtype() != schema_.dtype || t.shape().size() != schema_.shape.size() ||
          schema_.variable_shape)
        throw e.with_context("cannot import '" + path.string() + "'");
      // Same dtype and rank, another size: a column of variable shape holds them all.
      fail(e.code(), "cannot import '" + path.string() + "': " + e.what(),
           Hint{.action = HintAction::CreateVariableShapeColumn,
                .column = schema_.name,
                .dtype = std::string(dtype_name(schema_.dtype))});
    }
    d.sample = prepare_sample(t.view(), options_);
    return d;
  }

  const FileList& list_;
  const std::vector<SourceFile>& files_;
  const ColumnSchema& schema_;
  const ChunkOptions options_;
  const std::size_t window_;
  const std::uint64_t max_sample_bytes_;
  const std::uint64_t budget_;
  std::mutex mu_;
  std::condition_variable consumer_cv_, workers_cv_, budget_cv_, ahead_cv_;
  std::uint64_t in_flight_ = 0, peak_ = 0;         // bytes reserved by files not yet taken
  unsigned budget_waiters_ = 0;                    // workers waiting in reserve()
  std::map<std::size_t, std::uint64_t> reserved_;  // per file index
  std::size_t next_ = 0, consumed_ = 0;
  std::size_t ahead_ = 0;        // the next file read_ahead() asks for
  std::size_t awaited_ = kNone;  // the file take() waits for
  std::size_t wake_at_ = 0;      // ... and the last one of the batch it would like done too
  unsigned idle_workers_ = 0;    // workers waiting for room in the window
  bool stop_ = false;
  std::exception_ptr error_;
  std::map<std::size_t, Decoded> done_;
  std::vector<std::thread> threads_;
};

// Samples per epoch (one flush + index commit + meta txn); bounds the per-sample metadata kept
// in memory (~250 bytes each), the LMDB dirty pages of the epoch's txns (chunk locations and
// descriptors have random keys: each can dirty a 4 KiB page of its own) and the staged work a
// crash may lose. 4,096 costs nothing measurable over 16,384 on C (20,000 files) and takes
// 10 MB off its peak RSS; 2,048 is 30% slower there (fsyncs and serial points).
constexpr std::size_t kEpochSamples = 4096;
// Stored (compressed) chunk bytes collected before they are appended to the backend (and our
// copies freed), and appended before the backend writes them out (LMDB holds them as dirty
// pages until then). Together they bound the memory holding chunk bytes to ~17 MiB.
constexpr std::uint64_t kStageBytes = 1u << 20;
constexpr std::uint64_t kWriteBackBytes = 16u << 20;

}  // namespace

ImportResult import_files(Repository& repo, const ImportOptions& opt) {
  auto& st = detail::state_of(repo);
  st.require_write();
  validate_column_name(opt.column);
  if (opt.labels_column) {
    validate_column_name(*opt.labels_column);
    if (*opt.labels_column == opt.column)
      fail(ErrorCode::InvalidArgument, "the labels column must differ from the image column");
  }
  std::uint64_t skipped = 0;
  FileList list = list_files(opt.path, opt.recursive || opt.labels_column, opt.on_skip, skipped);
  const std::vector<SourceFile>& files = list.files;

  // Resolve (or plan) the columns; remember their staged state for rollback.
  std::map<std::string, detail::ColumnBase> cols;
  std::map<std::string, std::optional<StagedColumn>> before;
  {
    auto txn = st.meta.begin_read();
    cols = staged_columns(st, txn);
    before[opt.column] = st.staging.find_column(txn, opt.column);
    if (opt.labels_column)
      before[*opt.labels_column] = st.staging.find_column(txn, *opt.labels_column);
  }
  ImportResult result;
  result.skipped = skipped;
  result.ignored = list.ignored;
  result.ignored_examples = list.ignored_examples;
  std::vector<std::string> known;
  if (opt.labels_column) {
    auto it = cols.find(*opt.labels_column);
    if (it != cols.end()) {
      const auto& s = it->second.schema;
      if (s.dtype != DType::Int64 || !s.shape.empty() || s.layout != Layout::Flat)
        fail(ErrorCode::InvalidArgument,
             "column '" + s.name + "' is not an int64 scalar labels column");
      auto a = s.attributes.find("classes");
      if (a != s.attributes.end()) known = split_lines(a->second);
    }
    result.classes =
        assign_labels(list, known, *opt.labels_column, opt.add_classes, result.added_classes);
  }

  // Per column, how the rollback restores its staged samples: columns that had none before the
  // import are cleared (no per-file state: an undo log takes ~18 bytes a file), the others
  // restored from an undo log.
  std::map<std::string, detail::StageUndo> undo;
  std::set<std::string> clear_on_rollback;
  {
    auto txn = st.meta.begin_read();
    for (const auto& [col, sc] : before) {
      bool any = false;
      st.staging.for_each_sample(txn, col, [&](ByteView, const StagedSample&) {
        any = true;
        return false;
      });
      if (!any) clear_on_rollback.insert(col);
    }
  }
  auto undo_of = [&](const std::string& col) -> detail::StageUndo* {
    return clear_on_rollback.count(col) ? nullptr : &undo[col];
  };
  // True when the staged state is as before the import.
  auto rollback = [&]() noexcept {
    try {
      st.chunks.discard_staged();
      for (auto& [col, u] : undo) unstage(st, col, u);
      for (const std::string& col : clear_on_rollback) clear_staged_samples(st, col);
      st.meta.write([&](lmdb::WriteTxn& txn) {
        for (const auto& [col, sc] : before) {
          if (sc)
            st.staging.set_column(txn, col, *sc);
          else
            st.staging.erase_column(txn, col);
        }
      });
      return true;
    } catch (...) {
      return false;
    }
  };
  try {
    ColumnSchema schema;
    if (auto it = cols.find(opt.column); it != cols.end()) {
      schema = it->second.schema;
      if (schema.layout != Layout::Flat)
        fail(ErrorCode::InvalidArgument, "cannot import into nested column '" + opt.column + "'");
    } else {
      Bytes raw;
      const fs::path path = list.path(files[0]);
      Tensor first = io::read_tensor_file_bytes(
          path, raw,
          [&](DType dtype, const Shape& shape) {
            declared_bytes(path, dtype, shape, opt.max_sample_bytes);
          },
          file_limit(opt.max_sample_bytes));
      schema.name = opt.column;
      schema.dtype = first.dtype();
      schema.shape = first.shape();
      repo.create_column(schema);
    }
    if (opt.labels_column && !cols.count(*opt.labels_column)) {
      ColumnSchema ls;
      ls.name = *opt.labels_column;
      ls.dtype = DType::Int64;
      ls.attributes["classes"] = join_lines(result.classes);
      repo.create_column(ls);
    } else if (!result.added_classes.empty()) {
      // The labels column gains classes: a staged schema change that keeps its records.
      ColumnSchema ls = cols.at(*opt.labels_column).schema;
      ls.attributes["classes"] = join_lines(result.classes);
      validate_schema(ls);
      st.meta.write([&](lmdb::WriteTxn& txn) {
        const Digest id = st.objects.put(txn, encode_schema(ls));
        const auto was = st.staging.find_column(txn, ls.name);
        const bool created = was && was->kind == StagedColumn::Kind::Created;
        st.staging.set_column(
            txn, ls.name,
            {created ? StagedColumn::Kind::Created : StagedColumn::Kind::Changed, id});
      });
    }
    failpoint("import-columns-created");

    const storage::BackendCode backend = write_backend(schema);
    DecodePool pool(list, schema, chunk_options(schema), std::max(1u, opt.jobs),
                    opt.max_sample_bytes, opt.max_bytes_in_flight);
    std::vector<std::pair<Bytes, PreparedSample>> batch, labels;
    std::vector<storage::EncodedChunk> pending;  // chunk bytes not yet handed to the backend
    std::uint64_t pending_bytes = 0, staged_bytes = 0;
    auto stage = [&] {
      st.chunks.stage(pending, backend);
      staged_bytes += pending_bytes;
      pending.clear();
      pending_bytes = 0;
      if (staged_bytes >= kWriteBackBytes) {
        st.chunks.write_back();
        staged_bytes = 0;
      }
    };
    auto flush = [&] {
      if (!pending.empty()) stage();
      staged_bytes = 0;
      // Indexes every staged chunk (one flush + one index commit), then one meta txn.
      result.new_chunks += stage_samples(st, opt.column, batch, undo_of(opt.column));
      if (opt.labels_column) {
        failpoint("import-images-staged");  // their labels are staged in a txn of their own
        stage_samples(st, *opt.labels_column, labels, undo_of(*opt.labels_column));
      }
      failpoint("import-epoch-staged");
      batch.clear();
      labels.clear();
    };
    for (std::size_t i = 0; i < files.size(); ++i) {
      check_interrupt();
      Decoded d = pool.take(i);
      Bytes rk = Key(std::string(list.key(files[i]))).encoded();
      result.raw_bytes += d.sample.nbytes;
      result.file_bytes += d.file_bytes;
      for (auto& c : d.sample.chunks) {
        pending_bytes += c.stored.size();
        pending.push_back(std::move(c));
      }
      d.sample.chunks.clear();
      if (opt.labels_column) {
        std::int64_t label = files[i].label;
        Tensor t(DType::Int64, {},
                 Bytes(reinterpret_cast<const std::byte*>(&label),
                       reinterpret_cast<const std::byte*>(&label) + 8));
        labels.emplace_back(rk, prepare_sample(t.view(), 3));
      }
      batch.emplace_back(std::move(rk), std::move(d.sample));
      ++result.files;
      if (pending_bytes >= kStageBytes) stage();
      if (batch.size() >= kEpochSamples) {
        flush();
        failpoint_wait_for_interrupt("import-epoch");  // tests: interrupt with an epoch staged
      }
      if (opt.progress) opt.progress(i + 1, files.size());
    }
    if (!batch.empty()) flush();
    result.peak_bytes_in_flight = pool.peak_bytes();
  } catch (...) {
    // A failed rollback keeps the original error; a reset clears the staged work it left.
    if (rollback()) rethrow_interrupted("the import was rolled back, nothing was staged");
    throw;
  }
  if (result.new_chunks >= kCompactIndexAfter &&
      result.new_chunks * 4 >= st.chunks.stats().chunks) {
    try {
      (void)st.chunks.compact_index();
    } catch (const Error&) {
      // Only a faster layout is lost: a failed compaction leaves the index as it was.
    }
  }
  return result;
}

}  // namespace hangar
