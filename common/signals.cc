#include "common/signals.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

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

// A termination signal taken by a thread that does not block them: a library's thread started
// before main() (OpenBLAS starts its thread pool when it is loaded). Without a handler the
// default action would kill the process; the handler leaves it for WaitForTerminationSignal.
std::atomic<int> pending_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

void OnTerminationSignal(int sig) { pending_signal.store(sig); }

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction action = {};
  action.sa_handler = OnTerminationSignal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaction(sig, &action, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSet();
  // Mostly sigwait's work; every 100 ms, a signal the handler took on another thread.
  const timespec period = {0, 100 * 1000 * 1000};
  while (true) {
    int sig = pending_signal.exchange(0);
    if (sig == 0) sig = sigtimedwait(&set, nullptr, &period);
    if (sig > 0) return sig == SIGUSR1 ? 0 : sig;
  }
}

void StopWaitingForSignals() { kill(getpid(), SIGUSR1); }

}  // namespace brisk
