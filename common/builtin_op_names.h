// Names of the ops every worker provides. The scheduler accepts these before any worker has
// registered; any other op is accepted once a connected worker lists it (RegisterWorker.ops).
#pragma once

#include <vector>

#include "absl/strings/string_view.h"

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames();

}  // namespace brisk
