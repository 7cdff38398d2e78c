#include "worker/bag/bag_ops.h"

namespace brisk {

void RegisterBagOps(OpRegistry& registry) {
  RegisterBagPartitionOps(registry);
  RegisterBagCountOps(registry);
  RegisterBagTopkOps(registry);
}

}  // namespace brisk
