// The built-in ops every worker has (their names are listed in common/builtin_op_names.h).
#pragma once

#include "brisk/op.h"

namespace brisk {

void RegisterBuiltinOps(OpRegistry& registry);

}  // namespace brisk
