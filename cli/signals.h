// Ctrl-C for the long commands: SIGINT, SIGTERM and SIGHUP only request a cooperative stop
// (hangar/base/interrupt.h), so that the command undoes its work and fails with
// ErrorCode::Interrupted, which main() turns into one error line and exit code 128 + signal.
#pragma once

namespace hangar::cli {

// Installs the handlers for the rest of the process. A signal the process started with
// ignored (nohup, a script's background job) stays ignored. A second one of the same signal
// ends the process at once (its default action), undoing nothing: the way out of a command
// that does not stop.
void catch_stop_signals();

// The exit code of an interrupted command: 128 + the signal (130 for SIGINT), what a shell
// reports for a process a signal ended.
int interrupted_exit_code() noexcept;

}  // namespace hangar::cli
