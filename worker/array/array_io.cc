#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayIoOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
