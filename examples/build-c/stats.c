#include "stats.h"

#include <math.h>

double stats_mean(const double* xs, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += xs[i];
  return n > 0 ? sum / n : 0;
}

double stats_stddev(const double* xs, int n) {
  const double mean = stats_mean(xs, n);
  double sq = 0;
  for (int i = 0; i < n; ++i) sq += (xs[i] - mean) * (xs[i] - mean);
  return n > 1 ? sqrt(sq / (n - 1)) : 0;
}
