// The brisk-worker program as a function, for custom worker executables: a program of one's own
// registers its ops and hands over to it, with the same flags as brisk-worker (plugins too).
//
//   int main(int argc, char** argv) {
//     brisk::OpRegistry ops;
//     ops.Register("tile", Tile);
//     return brisk::WorkerMain(argc, argv, ops);
//   }
#pragma once

#include "brisk/op.h"

namespace brisk {

// Parses brisk-worker's flags from argv, loads the built-in ops, `extra_ops` and every --plugin,
// and runs a worker until the scheduler says shut down, its stream ends, or SIGINT/SIGTERM
// arrives. Returns the exit status: 0 after a normal stop, 1 when a plugin cannot be loaded or the
// worker cannot start, 2 for bad flags (0 for --help). With --nanny it forks before anything
// else (worker/nanny.h), and returns in the supervising parent with the status to exit with:
// call it before the program starts any thread.
int WorkerMain(int argc, char** argv, const OpRegistry& extra_ops = OpRegistry());

}  // namespace brisk
