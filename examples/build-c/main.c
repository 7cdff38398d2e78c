/* Prints the mean and standard deviation of 1..N (N from the command line, default 10). */
#include <stdlib.h>

#include "format.h"
#include "stats.h"

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 10;
  double* xs = malloc(sizeof(double) * (n > 0 ? n : 1));
  for (int i = 0; i < n; ++i) xs[i] = i + 1;
  format_line("n", n);
  format_line("mean", stats_mean(xs, n));
  format_line("stddev", stats_stddev(xs, n));
  free(xs);
  return 0;
}
