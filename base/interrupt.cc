#include "base/interrupt.h"

#include <csignal>
#include <unistd.h>

namespace lfm {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void OnSignal(int signal) {
  if (g_interrupted) _exit(128 + signal);
  g_interrupted = 1;
  static const char kMessage[] = "\nlfmbench: interrupted: finishing the current step (Ctrl-C again to quit now)\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool Interrupted() { return g_interrupted != 0; }

}  // namespace lfm
