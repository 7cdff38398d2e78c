#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayLayoutOps(OpRegistry& /*registry*/) {}  // not written yet

}  // namespace brisk
