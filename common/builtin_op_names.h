// Names of the ops every worker provides. The scheduler accepts these before any worker has
// registered; ops from plugins are accepted once a worker that has them registers.
#pragma once

#include "absl/strings/string_view.h"
#include <vector>

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames();

}  // namespace brisk
