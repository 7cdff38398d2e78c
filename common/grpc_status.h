// Conversion between absl::Status (used inside Brisk) and grpc::Status (on the wire), in one place.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace brisk {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace brisk
