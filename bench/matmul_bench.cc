// Blocked Matmul on an embedded local cluster against one cblas_dgemm of the whole matrix: y is
// N x N float64 in B x B blocks (made on the workers by the test plugin's `positions` op,
// scaled), Matmul(y, y) is persisted on the workers (every output block computed), and one
// process multiplies the same matrix with cblas_dgemm on `--blas-threads` threads. Prints one
// JSON line per measurement: wall seconds and the process's CPU seconds, and the largest
// difference between a block of Brisk's result and the same block of dgemm's.
#include <cblas.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "CLI/CLI.hpp"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/value.h"

namespace {

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Blocked brisk::Matmul against one cblas_dgemm");
  uint64_t n = 6000, block = 1500;
  int workers = 2, blas_threads = 2;
  std::string plugin = BRISK_TEST_PLUGIN;
  app.add_option("--n", n, "matrix size");
  app.add_option("--block", block, "block size");
  app.add_option("--workers", workers, "workers of the local cluster (1 thread each)");
  app.add_option("--blas-threads", blas_threads, "BLAS threads of the single dgemm");
  app.add_option("--plugin", plugin, "the plugin with the `positions` op");
  CLI11_PARSE(app, argc, argv);
  const double scale = 1.0 / static_cast<double>(n * 1000);

  // The reference first: the workers set one BLAS thread when they start.
  std::vector<double> y(n * n), want(n * n);
  for (uint64_t i = 0; i < n; ++i) {
    for (uint64_t j = 0; j < n; ++j) y[i * n + j] = scale * static_cast<double>(i * 1000 + j);
  }
  openblas_set_num_threads(blas_threads);
  double t0 = Now(), c0 = CpuSeconds();
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, y.data(), n, y.data(), n,
              0.0, want.data(), n);
  std::printf(
      "{\"bench\": \"matmul\", \"what\": \"cblas_dgemm\", \"n\": %lu, \"blas_threads\": %d, "
      "\"seconds\": %.3f, \"cpu_seconds\": %.3f}\n",
      static_cast<unsigned long>(n), blas_threads, Now() - t0, CpuSeconds() - c0);
  std::fflush(stdout);

  brisk::LocalClusterOptions options;
  options.workers = workers;
  options.threads_per_worker = 1;
  options.plugins = {plugin};
  auto client = brisk::Client::StartLocal(options);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
    return 1;
  }
  const brisk::Array a = brisk::Array::FromFunction("positions", {n, n}, {block, block},
                                                    brisk::v1::DTYPE_FLOAT64, {{"scale", scale}});
  // The input made and held on the workers first, so that only the product is timed.
  auto kept = a.Persist(**client);
  if (!kept.ok()) {
    std::fprintf(stderr, "%s\n", kept.status().ToString().c_str());
    return 1;
  }
  const brisk::Array product = brisk::Matmul(*kept, *kept);
  t0 = Now();
  c0 = CpuSeconds();
  auto done = product.Persist(**client);
  const double seconds = Now() - t0, cpu = CpuSeconds() - c0;
  if (!done.ok()) {
    std::fprintf(stderr, "%s\n", done.status().ToString().c_str());
    return 1;
  }
  // One block compared with dgemm's.
  const uint64_t nb = (n + block - 1) / block;
  auto last = (*client)->GatherKeys({done->BlockKey({nb - 1, nb - 1})});
  double max_diff = NAN;
  if (last.ok()) {
    auto view = brisk::ArrayView::Of(*(*last)[0]);
    if (view.ok()) {
      max_diff = 0;
      const uint64_t off = (nb - 1) * block, rows = view->shape()[0], cols = view->shape()[1];
      for (uint64_t i = 0; i < rows; ++i) {
        for (uint64_t j = 0; j < cols; ++j) {
          const double d = view->AsDouble(i * cols + j) - want[(off + i) * n + off + j];
          max_diff = std::max(max_diff, std::abs(d));
        }
      }
    }
  }
  std::printf(
      "{\"bench\": \"matmul\", \"what\": \"brisk_matmul\", \"n\": %lu, \"block\": %lu, "
      "\"workers\": %d, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"max_abs_diff\": %g}\n",
      static_cast<unsigned long>(n), static_cast<unsigned long>(block), workers, seconds, cpu,
      max_diff);
  return 0;
}
