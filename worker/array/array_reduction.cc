#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayReductionOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
