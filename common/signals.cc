#include "common/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace brisk {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSet();
  int sig = 0;
  if (sigwait(&set, &sig) != 0) return 0;
  return sig == SIGUSR1 ? 0 : sig;
}

void StopWaitingForSignals() { kill(getpid(), SIGUSR1); }

}  // namespace brisk
