#include "worker/data_service.h"

#include <algorithm>

#include "common/auth.h"

namespace brisk {
namespace {

// Writes the requested values one chunk at a time; each OnWriteDone sends the next chunk.
class GetDataWriter : public grpc::ServerWriteReactor<v1::DataChunk> {
 public:
  GetDataWriter(const ValueStore& store, const v1::GetDataRequest& request)
      : store_(store), keys_(request.keys().begin(), request.keys().end()) {
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
    if (offset_ >= encoded_.size() && !pending_empty_) {
      // Current value done: start the next key.
      if (next_key_ == keys_.size()) {
        Finish(grpc::Status::OK);
        return;
      }
      key_ = keys_[next_key_++];
      ValuePtr value = store_.Get(key_);
      chunk_.Clear();
      chunk_.set_key(key_);
      if (!value) {
        chunk_.set_missing(true);
        StartWrite(&chunk_);
        return;
      }
      encoded_.clear();
      value->SerializeToString(&encoded_);
      offset_ = 0;
      pending_empty_ = encoded_.empty();
    }
    const size_t len = std::min(kDataChunkBytes, encoded_.size() - offset_);
    chunk_.Clear();
    chunk_.set_key(key_);
    chunk_.set_total_size(encoded_.size());
    chunk_.set_offset(offset_);
    chunk_.set_data(encoded_.data() + offset_, len);
    offset_ += len;
    pending_empty_ = false;
    StartWrite(&chunk_);
  }

  const ValueStore& store_;
  std::vector<std::string> keys_;
  size_t next_key_ = 0;
  std::string key_;
  std::string encoded_;
  size_t offset_ = 0;
  bool pending_empty_ = false;  // an empty encoding still needs its one (empty) chunk
  v1::DataChunk chunk_;
};

class Refused : public grpc::ServerWriteReactor<v1::DataChunk> {
 public:
  explicit Refused(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::DataChunk>* DataService::GetData(grpc::CallbackServerContext* context,
                                                               const v1::GetDataRequest* request) {
  if (grpc::Status auth = CheckAuth(*context, token_); !auth.ok()) return new Refused(auth);
  return new GetDataWriter(store_, *request);
}

}  // namespace brisk
