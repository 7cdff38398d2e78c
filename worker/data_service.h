// DataService: the worker's brisk.v1.Worker service. Streams the values it holds to peers and
// clients in chunks under the message limit, each chunk's data sent from the stored value itself
// (the method is registered raw, so the messages are built by hand with no copy; see
// common/data_chunks.h), or, for a large value, a ticket to read it from the bulk port.
#pragma once

#include "brisk/v1/worker.grpc.pb.h"
#include "worker/bulk_server.h"
#include "worker/value_store.h"

namespace brisk {

class DataService final : public v1::Worker::WithRawCallbackMethod_GetData<v1::Worker::Service> {
 public:
  // `token`: required on every call when not empty. `bulk`: where large values are offered to
  // callers that can read them there (null: never).
  DataService(ValueStore& store, std::string token, BulkServer* bulk)
      : store_(store), token_(std::move(token)), bulk_(bulk) {}

  // `request`: a brisk.v1.GetDataRequest; each response message a brisk.v1.DataChunk.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetData(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request) override;

 private:
  ValueStore& store_;
  const std::string token_;
  BulkServer* const bulk_;
};

}  // namespace brisk
