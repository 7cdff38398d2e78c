// ml_bench: the array workloads of the Dask comparison (bench/run --vs-dask --data) on a local
// cluster of 2 workers x 1 thread, one JSON line each:
//   kmeans  DATA/points/part-*.npy (one block per file), k = 8, 10 Lloyd iterations from the
//           first 8 rows; check: final inertia / n
//   linreg  DATA/regression/part-*.npy (16 features then y), w by normal equations without an
//           intercept; check: max |w - (1..16)|
// Seconds are wall time from opening the files to the answer; cpu_seconds is this process's CPU
// time over the same span (the workers run in it), for a loaded machine.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/json_line.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/ml.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

struct Timed {
  double seconds = 0, cpu = 0, check = 0;
  std::string error;
};

template <typename Fn>
Timed Time(Fn&& fn) {
  Timed t;
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<double> check = fn();
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t.cpu = CpuSeconds() - cpu0;
  if (check.ok()) {
    t.check = *check;
  } else {
    t.error = check.status().ToString();
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ml_bench: k-means and linear regression on .npy data, as bench_dask_data.py"};
  std::string data, only;
  int repeat = 1;
  app.add_option("--data", data, "The data directory of make_data.py")->required();
  app.add_option("--only", only, "kmeans or linreg (default: both)");
  app.add_option("--repeat", repeat, "Runs of each workload (one line per run)");
  CLI11_PARSE(app, argc, argv);

  brisk::LocalClusterOptions options;
  options.workers = 2;
  options.threads_per_worker = 1;
  auto client = brisk::Client::StartLocal(options);
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 1;
  }
  int status = 0;
  auto report = [&](const std::string& workload, const Timed& t) {
    if (!t.error.empty()) {
      std::cerr << workload << ": " << t.error << "\n";
      status = 1;
      return;
    }
    brisk::bench::JsonLine(workload)
        .Set("seconds", brisk::bench::Round(t.seconds, 3))
        .Set("cpu_seconds", brisk::bench::Round(t.cpu, 3))
        .Set("check", t.check)
        .Print();
  };
  for (int r = 0; r < repeat; ++r) {
    if (only.empty() || only == "kmeans") {
      report("kmeans", Time([&]() -> absl::StatusOr<double> {
               brisk::Array x = brisk::Array::FromNpyDir(data + "/points");
               brisk::ml::KMeansOptions km;
               km.k = 8;
               km.max_iter = 10;
               km.tol = 0;
               km.init = "first-k";
               absl::StatusOr<brisk::ml::KMeansResult> result = brisk::ml::KMeans(**client, x, km);
               if (!result.ok()) return result.status();
               return result->inertia / static_cast<double>(result->rows);
             }));
    }
    if (only.empty() || only == "linreg") {
      report("linreg", Time([&]() -> absl::StatusOr<double> {
               brisk::Array xy = brisk::Array::FromNpyDir(data + "/regression");
               brisk::ml::LinearRegressionOptions lr;
               lr.fit_intercept = false;
               absl::StatusOr<brisk::ml::LinearModel> m =
                   brisk::ml::LinearRegressionXy(**client, xy, -1, lr);
               if (!m.ok()) return m.status();
               double worst = 0;
               for (size_t i = 0; i < m->coef.size(); ++i) {
                 worst = std::max(worst, std::abs(m->coef[i] - static_cast<double>(i + 1)));
               }
               return worst;
             }));
    }
  }
  return status;
}
