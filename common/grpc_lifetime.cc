#include "common/grpc_lifetime.h"

#include <grpc/grpc.h>

namespace brisk {

void KeepGrpcUntilExit() { grpc_init(); }  // never matched by grpc_shutdown(): see the header

}  // namespace brisk
