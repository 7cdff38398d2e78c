// brisk::Array workloads on an embedded local cluster (2 workers x 1 thread): the fused
// `((2*x+1)^2).Sum()` of a random x (array_sum), and x.Sum() alone (array_uniform_sum: the cost of
// drawing x), printing one JSON line per workload (seconds: median, min, max of the runs; ns per
// element; CPU seconds of the process per run; the result and its mean, to check).
//
//   array_bench [--n 20000] [--chunk 2000] [--runs 3]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "bench/json_line.h"
#include "bench/run_stats.h"
#include "brisk/array.h"
#include "brisk/client.h"
#include "brisk/value.h"

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 20000, chunk = 2000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--n") n = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--chunk") chunk = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
  }
  auto client = brisk::Client::StartLocal({.workers = 2, .threads_per_worker = 1, .plugins = {}});
  if (!client.ok()) {
    std::fprintf(stderr, "array_bench: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  const brisk::Array x = brisk::Array::RandomUniform(1, {n, n}, {chunk, chunk});
  const double elements = static_cast<double>(n) * static_cast<double>(n);
  // The workload, and the draw alone (x.Sum()): what the expression adds to the generator.
  const std::vector<std::pair<std::string, brisk::Array>> workloads = {
      {"array_sum", ((2.0 * x + 1.0) ^ 2.0).Sum()}, {"array_uniform_sum", x.Sum()}};
  for (const auto& [name, y] : workloads) {
    std::vector<double> seconds;
    double value = 0;
    const double cpu0 = CpuSeconds();
    for (int r = 0; r < runs; ++r) {
      const absl::Time start = absl::Now();
      absl::StatusOr<brisk::v1::Value> got = y.Compute(**client);
      seconds.push_back(absl::ToDoubleSeconds(absl::Now() - start));
      if (!got.ok()) {
        std::fprintf(stderr, "array_bench: %s\n", std::string(got.status().message()).c_str());
        return 1;
      }
      value = brisk::ArrayView::Of(*got)->AsDouble(0);
    }
    const double cpu = (CpuSeconds() - cpu0) / runs;
    const brisk::bench::RunStats stats = brisk::bench::Summarize(seconds);
    brisk::bench::JsonLine(name)
        .Set("unit", "s")
        .Set("seconds", stats, 3)
        .Set("ns_per_element", stats.median * 1e9 / elements)
        .Set("cpu_seconds", cpu)
        .Set("result", value)
        .Set("mean", value / elements)
        .Set("expected_mean", name == "array_sum" ? 13.0 / 3.0 : 0.5)
        .Print();
  }
  return 0;
}
