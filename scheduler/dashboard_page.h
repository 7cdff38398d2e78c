// DashboardPage: the dashboard's root page, index.html with the cluster as it is filled in (each
// worker's row, the task and job counts), so that the page shows it before any script runs; its
// script then refreshes it from /api/workers.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "scheduler/dashboard_snapshot.h"

namespace brisk {

// `page` is index.html: its <!--BRISK_WORKERS--> is replaced by the workers' table rows and
// <!--BRISK_SUMMARY--> by the counts.
std::string DashboardPage(absl::string_view page, const DashboardSnapshot& snapshot);

// `text` with &, <, >, " and ' escaped, for HTML text and attribute values.
std::string EscapeHtml(absl::string_view text);

}  // namespace brisk
