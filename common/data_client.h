// DataClient: fetches values from workers' data services (brisk.v1.Worker.GetData), several keys
// per call, reassembling chunked values and reading large ones from the sender's bulk port
// (common/bulk_transfer.h). The call is made raw (grpc::GenericStub) so each chunk is
// copied once, from gRPC's buffers into its value (common/data_chunks.h). Keeps one channel per
// address. Thread-safe.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/data_chunks.h"

namespace brisk {

struct FetchResult {
  absl::flat_hash_map<std::string, ValuePtr> values;
  std::vector<std::string> missing;  // keys the worker does not hold
};

class DataClient {
 public:
  // `token`: sent with every call when not empty.
  explicit DataClient(std::string token = "") : token_(std::move(token)) {}

  // Fetches `keys` from the worker at `address`. An error when the worker cannot be reached or
  // the stream breaks; keys it does not hold are listed in `missing`.
  absl::StatusOr<FetchResult> Fetch(const std::string& address,
                                    const std::vector<std::string>& keys);

 private:
  grpc::GenericStub* StubFor(const std::string& address);
  // One GetData call; its chunks go to `assembler`.
  absl::Status Stream(const std::string& address, const std::vector<std::string>& keys,
                      bool bulk_ok, ValueAssembler& assembler);

  // After a failed bulk read, how long values from that worker come through the data service.
  static constexpr absl::Duration kBulkRetryAfter = absl::Minutes(1);

  const std::string token_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> bulk_failed_until_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
