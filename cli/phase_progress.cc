// One progress bar per phase of a remote command (phase_progress.h).
#include "phase_progress.h"

namespace hangar::cli {

remote::RemoteProgress PhaseProgress::callback() {
  if (!shows_progress(ctx_.is_tty, ctx_.json)) return {};
  return [this](std::string_view phase, std::uint64_t done, std::uint64_t total) {
    if (phase != phase_) {
      if (bar_) bar_->finish();
      phase_ = std::string(phase);
      bar_ = std::make_unique<Progress>(phase_ == verb_ ? verb_ : verb_ + " " + phase_, true,
                                        ctx_.err);
    }
    bar_->update(done, total);
  };
}

void PhaseProgress::finish() {
  if (bar_) bar_->finish();
}

}  // namespace hangar::cli
