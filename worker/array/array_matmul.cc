#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayMatmulOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
