// A progress bar on stderr, shown only when both stdout and stderr are terminals.
#pragma once

#include <hangar/io.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace hangar::cli {

// True when stdout and stderr are both terminals (the only case that shows progress).
bool interactive_terminal() noexcept;

// Whether a command shows progress: on a terminal, and never with --json.
bool shows_progress(bool is_tty, bool json) noexcept;

// What a Progress counts: items ("50/100") or bytes ("1.2 MiB/3.4 MiB").
enum class ProgressUnit { Items, Bytes };

// Renders "label [#####.....] 50/100  12.5/s  ETA 0:04" on one line, redrawn at most ~10 times
// a second; rate and ETA once some time has passed. update() may be called from several
// threads. When disabled it writes nothing at all.
class Progress {
 public:
  Progress(std::string label, bool enabled, std::ostream& err,
           ProgressUnit unit = ProgressUnit::Items);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::uint64_t done, std::uint64_t total);
  // Draws the final state and ends the line (once).
  void finish();
  // A ProgressFn for the library that forwards to update(); empty when disabled.
  ProgressFn callback();

  // The bar text for (done, total) after `seconds`; exposed for tests.
  static std::string render(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double seconds = 0, ProgressUnit unit = ProgressUnit::Items);

 private:
  std::string label_;
  bool enabled_;
  std::ostream& err_;
  ProgressUnit unit_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double elapsed() const;  // seconds since construction
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::uint64_t done_ = 0;
  std::uint64_t total_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
};

}  // namespace hangar::cli
