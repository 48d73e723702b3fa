#include "core/interrupt.hpp"

#include <csignal>

namespace surge {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int signal) { g_signal = signal; }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  // Interrupted system calls restart: MPI and file I/O need not handle EINTR.
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return g_signal != 0; }

int interrupt_signal() { return static_cast<int>(g_signal); }

void request_interrupt(int signal) { g_signal = signal; }

}  // namespace surge
