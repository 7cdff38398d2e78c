// DataService: the worker's brisk.v1.Worker service. Streams the values it holds to peers and
// clients, each value's encoding cut into chunks under the message limit.
#pragma once

#include "brisk/v1/worker.grpc.pb.h"
#include "worker/value_store.h"

namespace brisk {

class DataService final : public v1::Worker::CallbackService {
 public:
  explicit DataService(const ValueStore& store) : store_(store) {}

  grpc::ServerWriteReactor<v1::DataChunk>* GetData(grpc::CallbackServerContext* context,
                                                   const v1::GetDataRequest* request) override;

 private:
  const ValueStore& store_;
};

}  // namespace brisk
