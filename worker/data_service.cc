#include "worker/data_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include "common/auth.h"
#include "common/bulk_transfer.h"
#include "common/data_chunks.h"

namespace brisk {
namespace {

// Writes the requested values one chunk at a time; each OnWriteDone sends the next chunk.
class GetDataWriter : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // `bulk`: where to offer large values (null: send everything here).
  GetDataWriter(ValueStore& store, std::vector<std::string> keys, BulkServer* bulk)
      : store_(store), keys_(std::move(keys)), bulk_(bulk) {
    Next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "reader went away"));
      return;
    }
    Next();
  }

  void OnDone() override { delete this; }

 private:
  void Next() {
    if (!in_value_) {
      // Current value done: start the next key.
      if (next_key_ == keys_.size()) {
        Finish(grpc::Status::OK);
        return;
      }
      key_ = keys_[next_key_++];
      bool from_disk = false;
      ValuePtr value = store_.Get(key_, &from_disk);
      if (!value) {
        message_ = EncodeMissing(key_);
        StartWrite(&message_);
        return;
      }
      value_ = PrepareOutgoing(std::move(value));
      // A bulk offer holds its value until the reader takes it, and a reader takes the offers of
      // one request one after another: a value read back from disk streams here instead, so that
      // gathering many spilled values holds one in memory at a time, not all of them.
      if (bulk_ != nullptr && !from_disk && value_.data.size() >= kBulkMinBytes) {
        message_ = EncodeBulkOffer(key_, value_, bulk_->port(), bulk_->Offer(value_));
        value_ = {};
        StartWrite(&message_);
        return;
      }
      offset_ = 0;
      in_value_ = true;
    }
    offset_ += EncodeChunk(key_, value_, offset_, message_);
    in_value_ = offset_ < value_.data.size();
    if (!in_value_) value_ = {};  // gRPC's slices keep the bytes alive while they are sent
    StartWrite(&message_);
  }

  ValueStore& store_;
  const std::vector<std::string> keys_;
  BulkServer* const bulk_;
  size_t next_key_ = 0;
  std::string key_;
  OutgoingValue value_;
  bool in_value_ = false;
  size_t offset_ = 0;
  grpc::ByteBuffer message_;
};

class Refused : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit Refused(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* DataService::GetData(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  if (grpc::Status auth = CheckAuth(*context, token_); !auth.ok()) return new Refused(auth);
  grpc::ByteBuffer shared(*request);  // the same slices, not a copy
  grpc::ProtoBufferReader reader(&shared);
  v1::GetDataRequest parsed;
  if (!parsed.ParseFromZeroCopyStream(&reader)) {
    return new Refused(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "GetData: the request is not a brisk.v1.GetDataRequest"));
  }
  return new GetDataWriter(store_,
                           std::vector<std::string>(parsed.keys().begin(), parsed.keys().end()),
                           parsed.bulk_ok() ? bulk_ : nullptr);
}

}  // namespace brisk
