// export_column: the calling thread reads samples in key order (fast: decompress + verify) and
// hands them to encoder threads (PNG encoding is the slow part) through a bounded queue.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/remote_config.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "repo/repo_state.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

bool png_fits(const ColumnSchema& s) {
  if (s.dtype != DType::UInt8 && s.dtype != DType::UInt16) return false;
  if (s.shape.size() == 2) return true;
  // [H,W,1] would come back from a PNG as [H,W]; keep such columns in .npy.
  return s.shape.size() == 3 && s.shape[2] >= 2 && s.shape[2] <= 4;
}

struct Job {
  fs::path file;
  Tensor tensor;
};

class WriterPool {
 public:
  explicit WriterPool(unsigned n) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  // Never throws: when the caller is already unwinding (a writer error seen by push(), or a
  // read error), that error wins and a second one here would std::terminate.
  ~WriterPool() {
    try {
      finish();
    } catch (...) {
    }
  }

  void push(Job job) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return failed_ || queue_.size() < 4 * threads_.size(); });
    if (failed_)
      std::rethrow_exception(
          error_ ? std::exchange(error_, nullptr)
                 : std::make_exception_ptr(Error(ErrorCode::Internal, "export writer stopped")));
    queue_.push_back(std::move(job));
    cv_.notify_all();
  }

  // Waits for every queued file; rethrows the first writer error. Returns the bytes of the
  // files written.
  std::uint64_t finish() {
    join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return file_bytes_;
  }

 private:
  void join() noexcept {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  void work() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closed_ || failed_ || !queue_.empty(); });
        if (failed_ || queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      cv_.notify_all();
      try {
        file_bytes_ += write_tensor_file(job.file, job.tensor.view());
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!failed_) error_ = std::current_exception();
        failed_ = true;
        cv_.notify_all();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool closed_ = false;
  bool failed_ = false;  // sticky; error_ is handed out once
  std::exception_ptr error_;
  std::atomic<std::uint64_t> file_bytes_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

// An export batch: at most this many samples or bytes (lazy reads fetch one batch at a time).
constexpr std::size_t kBatchSamples = 1024;
constexpr std::uint64_t kBatchBytes = std::uint64_t{32} << 20;

ExportResult export_column(const Repository& repo, const ExportOptions& opt) try {
  Checkout view = opt.commit ? repo.checkout_at(*opt.commit) : repo.staged_view();
  const ColumnSchema& schema = view.schema(opt.column);
  ExportFormat format = opt.format;
  if (format == ExportFormat::Auto)
    format = png_fits(schema) ? ExportFormat::Png : ExportFormat::Npy;
  if (format == ExportFormat::Png && !png_fits(schema) &&
      !(schema.shape.size() == 3 && schema.shape[2] == 1 &&
        (schema.dtype == DType::UInt8 || schema.dtype == DType::UInt16)))
    fail(ErrorCode::InvalidArgument,
         "cannot export column '" + opt.column + "' (" + std::string(dtype_name(schema.dtype)) +
             " " + shape_to_string(schema.shape) + ") as PNG; use --format npy");
  const std::string ext = format == ExportFormat::Png ? ".png" : ".npy";

  std::vector<SampleRef> picked;
  std::vector<Key> unmatched;
  for (const Key& k : opt.keys) {
    if (schema.layout == Layout::Nested)
      fail(ErrorCode::InvalidArgument,
           "--keys is not supported for nested column '" + opt.column + "'");
    if (auto ref = view.find(opt.column, k))
      picked.push_back(*ref);
    else
      unmatched.push_back(k);
  }
  if (!unmatched.empty()) fail_unmatched_keys(unmatched, "column '" + opt.column + "'");
  const std::uint64_t total = opt.keys.empty() ? view.count(opt.column) : picked.size();
  // A clone that died before its data arrived must not pass for a partial one: exporting the
  // samples that happen to be local would silently write a fraction of the column (or nothing).
  // require_all is checked here too, before any file is written. A repository that fetches
  // lazily brings what is not local as it reads.
  const auto unfinished = transfer::incomplete_clone(repo);
  if ((unfinished || opt.require_all) && !repo.lazy_fetch()) {
    std::vector<Key> absent;
    auto count = [&](const SampleRef& r) {
      if (!view.is_local(r) && (absent.empty() || absent.back() != r.key)) absent.push_back(r.key);
      return true;
    };
    if (opt.keys.empty())
      view.for_each(opt.column, count);
    else
      for (const auto& r : picked) count(r);
    const std::string how_many =
        std::to_string(absent.size()) + " of " + std::to_string(total) + " samples are not local";
    if (!absent.empty() && unfinished)
      fail(ErrorCode::NotLocal,
           "cannot export '" + opt.column + "': the clone of " + unfinished->url +
               " was interrupted and " + how_many,
           transfer::complete_clone_hint(repo, *unfinished));
    if (!absent.empty())
      fail(ErrorCode::NotLocal,
           "cannot export '" + opt.column + "' with --require-all: " + how_many + " (" +
               keys_text(absent, 5) + "); nothing was written",
           Hint{.action = HintAction::FetchData, .remote = transfer::default_remote(repo)});
  }
  std::error_code ec;
  fs::create_directories(opt.dir, ec);
  if (ec) fail_errno(ec.value(), "cannot create folder", opt.dir.string());

  unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  WriterPool pool(jobs);
  ExportResult result;
  std::uint64_t done = 0;
  auto one = [&](const SampleRef& ref) {
    check_interrupt();
    ++done;
    if (!view.is_local(ref)) {
      if (opt.require_all)
        fail(ErrorCode::NotLocal,
             "sample '" + opt.column + "'/'" + ref.key.to_string() + "' is not local",
             Hint{.action = HintAction::FetchData, .remote = transfer::default_remote(repo)});
      ++result.skipped_not_local;
      return true;
    }
    fs::path file = opt.dir / ref.key.to_string();
    if (ref.subkey) file /= ref.subkey->to_string();
    file += ext;
    fs::create_directories(file.parent_path(), ec);
    if (ec) fail_errno(ec.value(), "cannot create folder", file.parent_path().string());
    Tensor t = view.read(ref);
    result.bytes += t.nbytes();
    ++result.written;
    pool.push({std::move(file), std::move(t)});
    if (opt.progress) opt.progress(done, total);
    return true;
  };
  // Samples go in batches so that a repository set to fetch lazily brings each batch's
  // missing chunks in one request (fetch_missing does nothing otherwise).
  std::vector<SampleRef> batch;
  std::uint64_t batch_bytes = 0;
  auto drain = [&] {
    view.fetch_missing(batch);
    for (const auto& r : batch) one(r);
    batch.clear();
    batch_bytes = 0;
  };
  auto add = [&](const SampleRef& r) {
    batch.push_back(r);
    batch_bytes += r.nbytes;
    if (batch.size() >= kBatchSamples || batch_bytes >= kBatchBytes) drain();
    return true;
  };
  if (opt.keys.empty())
    view.for_each(opt.column, add);
  else
    for (const auto& r : picked) add(r);
  drain();
  result.file_bytes = pool.finish();
  return result;
} catch (...) {
  rethrow_interrupted("the files written to '" + opt.dir.string() +
                      "' are whole, the others were not written");
}

}  // namespace hangar
