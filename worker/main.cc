// brisk-worker: runs a Worker with the built-in ops and those of its --plugin libraries until the
// scheduler says shut down, its stream ends, or a signal arrives (brisk/worker_main.h).
#include "brisk/worker_main.h"

int main(int argc, char** argv) { return brisk::WorkerMain(argc, argv); }
