// Terminal progress bar; quiet unless a human is watching both output streams.
#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "output.h"

namespace hangar::cli {

bool interactive_terminal() noexcept {
  return ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1;
}

bool shows_progress(bool is_tty, bool json) noexcept { return is_tty && !json; }

Progress::Progress(std::string label, bool enabled, std::ostream& err, ProgressUnit unit)
    : label_(std::move(label)), enabled_(enabled), err_(err), unit_(unit) {}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {  // a failed write to a terminal is not worth an abort
  }
}

namespace {

std::string amount(std::uint64_t n, ProgressUnit unit) {
  return unit == ProgressUnit::Bytes ? human_bytes(n) : std::to_string(n);
}

// "0:04", "12:30", "2:05:00".
std::string clock_text(double seconds) {
  const auto s = static_cast<std::uint64_t>(std::llround(seconds));
  std::ostringstream o;
  if (s >= 3600)
    o << s / 3600 << ':' << std::setw(2) << std::setfill('0') << (s / 60) % 60;
  else
    o << s / 60;
  o << ':' << std::setw(2) << std::setfill('0') << s % 60;
  return o.str();
}

}  // namespace

std::string Progress::render(std::string_view label, std::uint64_t done, std::uint64_t total,
                             double seconds, ProgressUnit unit) {
  constexpr std::uint64_t kWidth = 30;
  std::string s(label);
  if (total == 0) {
    s += "  " + amount(done, unit);
  } else {
    const std::uint64_t filled = std::min(kWidth, done * kWidth / total);
    s += " [" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    s += amount(done, unit) + '/' + amount(total, unit);
  }
  if (seconds <= 0 || done == 0) return s;
  const double rate = static_cast<double>(done) / seconds;
  std::ostringstream r;
  if (unit == ProgressUnit::Bytes) {
    r << human_bytes(static_cast<std::uint64_t>(rate)) << "/s";
  } else {
    r << std::fixed << std::setprecision(rate < 10 ? 1 : 0) << rate << "/s";
  }
  s += "  " + r.str();
  if (total > done) s += "  ETA " + clock_text(static_cast<double>(total - done) / rate);
  return s;
}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
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
  err_ << '\r' << render(label_, done_, total_, elapsed(), unit_) << "\x1b[K" << std::flush;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;
  err_ << '\r' << render(label_, done_, total_, elapsed(), unit_) << "\x1b[K\n" << std::flush;
}

ProgressFn Progress::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

}  // namespace hangar::cli
