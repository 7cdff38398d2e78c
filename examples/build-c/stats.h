/* Summary statistics of an array of numbers. */
#ifndef STATS_H
#define STATS_H

double stats_mean(const double* xs, int n);
double stats_stddev(const double* xs, int n);

#endif
