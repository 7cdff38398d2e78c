// Names of the ops every worker provides. The scheduler may send a task of one of these to any
// worker; a task of any other op (a plugin's) only to workers that announced it
// (RegisterWorker.ops).
#pragma once

#include <vector>

#include "absl/strings/string_view.h"

namespace brisk {

const std::vector<absl::string_view>& BuiltinOpNames();
bool IsBuiltinOp(absl::string_view op);

}  // namespace brisk
