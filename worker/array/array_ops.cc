#include "worker/array/array_ops.h"

namespace brisk {

void RegisterArrayOps(OpRegistry& registry) {
  RegisterArrayCreationOps(registry);
  RegisterArrayElementwiseOps(registry);
  RegisterArrayReductionOps(registry);
  RegisterArrayLayoutOps(registry);
  RegisterArrayMatmulOps(registry);
  RegisterArrayIoOps(registry);
  RegisterArrayNpyReadOps(registry);
  RegisterArrayMlOps(registry);
}

}  // namespace brisk
