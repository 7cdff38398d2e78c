#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayElementwiseOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
