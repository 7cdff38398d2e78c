#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayCreationOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
