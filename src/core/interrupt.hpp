#pragma once
// Interruption by a signal: SIGUSR1 or SIGTERM (what SLURM sends before a job's time limit,
// with `--signal=[B:]USR1@SECONDS`, and at it) ask a long run to stop cleanly, e.g. `surge run`
// writes a checkpoint and exits with kExitInterrupted. The handler only records the signal;
// the work loops poll interrupt_requested() at points where stopping is safe.
namespace surge {

// Exit status of a run stopped by SIGUSR1 / SIGTERM after writing what is needed to go on
// (surge run: a checkpoint). The others are in core/error.hpp.
inline constexpr int kExitInterrupted = 3;

// Installs the handler for SIGUSR1 and SIGTERM (idempotent). Not collective.
void install_interrupt_handlers();
// True once one of those signals has arrived in this process. Async-signal-safe to set,
// cheap to poll. Not collective.
bool interrupt_requested();
// The signal that arrived (0 if none).
int interrupt_signal();
// Records an interruption as if a signal had arrived (tests, and ranks told by a peer).
void request_interrupt(int signal);

}  // namespace surge
