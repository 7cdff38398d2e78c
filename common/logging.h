// Logging set-up shared by the executables: spdlog to standard error (standard output is for
// results), at the given level.
#pragma once

#include <string>

namespace brisk {

// `level`: trace, debug, info, warn, error or off.
void InitLogging(const std::string& level);

}  // namespace brisk
