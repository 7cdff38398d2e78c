// The dashboard's pages (scheduler/dashboard/), compiled into the scheduler by
// cmake/EmbedFiles.cmake: nothing is read from disk or fetched from elsewhere at run time.
#pragma once

#include <optional>
#include <string_view>

namespace brisk {

// The contents of the file `name` of scheduler/dashboard/ ("index.html", "dashboard.js", ...).
std::optional<std::string_view> DashboardAsset(std::string_view name);

}  // namespace brisk
