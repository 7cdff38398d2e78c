// Termination signals for the daemons: blocked in every thread, then taken by one waiting thread,
// so SIGINT and SIGTERM become an orderly shutdown instead of interrupting arbitrary threads.
#pragma once

namespace brisk {

// Call in main() before any thread starts. A thread started earlier (by a library as it is
// loaded) may still take a signal: a handler passes it to WaitForTerminationSignal.
void BlockTerminationSignals();
// Blocks until SIGINT or SIGTERM (returns the signal) or StopWaitingForSignals() (returns 0).
int WaitForTerminationSignal();
void StopWaitingForSignals();

}  // namespace brisk
