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
    if (offset_ >= size_ && !pending_empty_) {
      // Current value done: start the next key.
      if (next_key_ == keys_.size()) {
        Finish(grpc::Status::OK);
        return;
      }
      key_ = keys_[next_key_++];
      value_ = store_.Get(key_);
      chunk_.Clear();
      chunk_.set_key(key_);
      if (!value_) {
        chunk_.set_missing(true);
        StartWrite(&chunk_);
        return;
      }
      // A bytes value goes as it is; anything else as its encoding.
      raw_ = value_->kind_case() == v1::Value::kBytes;
      if (raw_) {
        data_ = value_->bytes().data();
        size_ = value_->bytes().size();
      } else {
        encoded_.clear();
        value_->SerializeToString(&encoded_);
        data_ = encoded_.data();
        size_ = encoded_.size();
      }
      offset_ = 0;
      pending_empty_ = size_ == 0;
    }
    offset_ += FillChunk(key_, data_, size_, offset_, raw_, chunk_);
    pending_empty_ = false;
    StartWrite(&chunk_);
  }

  const ValueStore& store_;
  std::vector<std::string> keys_;
  size_t next_key_ = 0;
  std::string key_;
  ValuePtr value_;       // kept alive while its bytes are being sent
  std::string encoded_;  // the encoding of a value that is not plain bytes
  bool raw_ = false;
  const char* data_ = nullptr;
  size_t size_ = 0;
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
