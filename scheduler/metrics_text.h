// MetricsText: a DashboardSnapshot in Prometheus' text exposition format (version 0.0.4), as the
// scheduler serves it at /metrics. The metric names are listed in README.md ("Monitoring").
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "scheduler/dashboard_snapshot.h"

namespace brisk {

// The Content-Type of MetricsText's output.
inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string MetricsText(const DashboardSnapshot& snapshot);

// `value` as a label value between double quotes: backslash, double quote and line feed escaped.
std::string EscapeLabelValue(absl::string_view value);

}  // namespace brisk
