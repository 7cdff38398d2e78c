#include "worker/frame/frame_ops.h"

namespace brisk {

void RegisterFrameOps(OpRegistry& registry) {
  RegisterFrameIoOps(registry);
  RegisterFrameConcatOps(registry);
  RegisterFrameGroupOps(registry);
  RegisterFrameJoinOps(registry);
  RegisterFrameShuffleOps(registry);
  RegisterFrameVerbOps(registry);
}

}  // namespace brisk
