// The summary of repeated runs the benchmark reports: median, min and max, as the Dask script.
#pragma once

#include <algorithm>
#include <vector>

namespace brisk::bench {

struct RunStats {
  double median = 0;
  double min = 0;
  double max = 0;
};

// `runs` must not be empty. The median of an even count is the mean of the middle two
// (Python's statistics.median).
inline RunStats Summarize(std::vector<double> runs) {
  std::sort(runs.begin(), runs.end());
  const size_t n = runs.size();
  const double median = n % 2 == 1 ? runs[n / 2] : (runs[n / 2 - 1] + runs[n / 2]) / 2;
  return RunStats{median, runs.front(), runs.back()};
}

}  // namespace brisk::bench
