// One BLAS thread per worker thread: the array kernels run one per worker thread already, so
// OpenBLAS must not run a thread pool of its own (oversubscription), and the pool it starts when
// the library loads must go: its threads were made before the process blocked its termination
// signals, so SIGTERM delivered to one of them would kill the process instead of stopping it.
#pragma once

namespace brisk {

// Sets OpenBLAS to one thread and stops its pool. Idempotent and thread-safe; done when the
// worker library loads, before main, and again (a no-op) by RegisterArrayMlOps.
void UseOneBlasThread();

}  // namespace brisk
