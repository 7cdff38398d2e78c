// Names of the ops every worker provides. The scheduler accepts these before any worker has
// registered; ops from plugins are accepted once a worker that has them registers.
#pragma once

#include <vector>

#include "absl/strings/string_view.h"

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames();

}  // namespace brisk
