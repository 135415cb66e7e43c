// Terminal progress bar; quiet unless a human is watching both output streams.
#include "progress.h"

#include <unistd.h>

#include <algorithm>

namespace hangar::cli {

bool interactive_terminal() noexcept {
  return ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, bool enabled, std::ostream& err)
    : label_(std::move(label)), enabled_(enabled), err_(err) {}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {  // a failed write to a terminal is not worth an abort
  }
}

std::string Progress::render(std::string_view label, std::uint64_t done, std::uint64_t total) {
  constexpr std::uint64_t kWidth = 30;
  std::string s(label);
  if (total == 0) return s + "  " + std::to_string(done);
  const std::uint64_t filled = std::min(kWidth, done * kWidth / total);
  s += " [" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  s += std::to_string(done) + '/' + std::to_string(total);
  return s;
}

void Progress::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  done_ = std::max(done_, done);
  total_ = total;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  err_ << '\r' << render(label_, done_, total_) << std::flush;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;
  err_ << '\r' << render(label_, done_, total_) << '\n' << std::flush;
}

ProgressFn Progress::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

}  // namespace hangar::cli
