// The heavy headers of the libraries Brisk is built on, precompiled once per target
// (cmake/BriskPrecompiled.cmake) instead of parsed again by every file. Only headers that rarely
// change belong here: the standard library, Abseil, spdlog, protobuf, gRPC and the code protoc
// generates from proto/. Every file still includes what it uses; this list only saves time.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "brisk/v1/value.pb.h"
#include "brisk/v1/worker.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"
