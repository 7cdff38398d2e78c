// DataService: the worker's brisk.v1.Worker service. Streams the values it holds to peers and
// clients, each value's encoding cut into chunks under the message limit.
#pragma once

#include "brisk/v1/worker.grpc.pb.h"
#include "worker/value_store.h"

namespace brisk {

class DataService final : public v1::Worker::CallbackService {
 public:
  // `token`: required on every call when not empty.
  DataService(const ValueStore& store, std::string token)
      : store_(store), token_(std::move(token)) {}

  grpc::ServerWriteReactor<v1::DataChunk>* GetData(grpc::CallbackServerContext* context,
                                                   const v1::GetDataRequest* request) override;

 private:
  const ValueStore& store_;
  const std::string token_;
};

}  // namespace brisk
