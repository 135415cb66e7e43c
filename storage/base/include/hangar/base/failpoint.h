// Test hooks (STYLE 8.10): HANGAR_FAILPOINT=<name> arms the failpoint of that name so that
// end-to-end tests act at a deterministic moment: kill a server mid-stream or a client
// mid-push, or signal a command at a known point. Costs one getenv per process.
#pragma once

namespace hangar {

// True when HANGAR_FAILPOINT is `name` or `name:stop`.
bool failpoint_armed(const char* name) noexcept;

// For tests that crash a forked child in-process: arms `name` (nullptr disarms) as if
// HANGAR_FAILPOINT were `name`. Call it before any other thread runs.
void arm_failpoint_for_testing(const char* name) noexcept;

// When armed as `name`: ends the process at once with _exit(86) (no destructors, like a
// crash). As `name:stop`: stops the process (SIGSTOP) so that a test sees it stopped there
// (ps state T) and kills it with SIGKILL, or lets it go on with SIGCONT; an interrupt signal
// sent before the SIGCONT is recorded (interrupted() true) before this returns (it waits up to
// 300 ms for it).
void failpoint(const char* name) noexcept;

// When armed: waits here until an interrupt is requested (hangar/base/interrupt.h), at most a
// minute, so that a test can send the signal while the command is known to be at this point.
void failpoint_wait_for_interrupt(const char* name) noexcept;

}  // namespace hangar
