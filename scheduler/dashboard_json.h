// WorkersJson: the dashboard's /api/workers document, which its page polls: the workers (as
// `brisk status -o json` lists them, with when each joined), task counts by state and job counts
// by state, from a snapshot.
#pragma once

#include <string>

#include "scheduler/dashboard_snapshot.h"

namespace brisk {

std::string WorkersJson(const DashboardSnapshot& snapshot);

}  // namespace brisk
