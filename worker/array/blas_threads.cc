#include "worker/array/blas_threads.h"

#include <cblas.h>

#include <mutex>

// OpenBLAS's own: joins its server threads (as it does before fork).
extern "C" int blas_thread_shutdown_(void);

namespace brisk {

void UseOneBlasThread() {
  static std::once_flag once;
  std::call_once(once, [] {
    openblas_set_num_threads(1);
    blas_thread_shutdown_();
  });
}

// At load, before any main(): the pool must be gone before the process blocks its signals (a
// SIGTERM meanwhile would reach a pool thread and kill the process rather than stop it).
[[maybe_unused]] const bool kOneBlasThreadAtLoad = (UseOneBlasThread(), true);

}  // namespace brisk
