#include "common/data_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "brisk/v1/worker.pb.h"
#include "common/auth.h"

namespace brisk {
namespace {

constexpr char kGetData[] = "/brisk.v1.Worker/GetData";

// One call on its own completion queue, driven step by step from the calling thread.
class BlockingCall {
 public:
  ~BlockingCall() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }
  grpc::CompletionQueue* cq() { return &cq_; }
  // Waits for the one operation in flight; whether it succeeded.
  bool Wait() {
    void* tag;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

 private:
  grpc::CompletionQueue cq_;
};

}  // namespace

grpc::GenericStub* DataClient::StubFor(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto& stub = stubs_[address];
  if (!stub) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    stub = std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return stub.get();
}

absl::StatusOr<FetchResult> DataClient::Fetch(const std::string& address,
                                              const std::vector<std::string>& keys) {
  v1::GetDataRequest request;
  for (const std::string& key : keys) request.add_keys(key);
  const std::string encoded = request.SerializeAsString();
  grpc::Slice request_slice(encoded);
  grpc::ByteBuffer request_message(&request_slice, 1);

  grpc::ClientContext context;
  AddAuth(context, token_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  BlockingCall call;
  auto stream = StubFor(address)->PrepareCall(&context, kGetData, call.cq());
  ValueAssembler assembler;
  absl::Status bad = absl::OkStatus();
  stream->StartCall(nullptr);
  if (call.Wait()) {
    stream->Write(request_message, nullptr);
    if (call.Wait()) {
      stream->WritesDone(nullptr);
      call.Wait();
      grpc::ByteBuffer chunk;
      while (true) {
        stream->Read(&chunk, nullptr);
        if (!call.Wait()) break;
        if (bad.ok()) bad = assembler.Add(chunk);
        if (!bad.ok()) context.TryCancel();
      }
    }
  }
  grpc::Status status;
  stream->Finish(&status, nullptr);
  call.Wait();
  if (!bad.ok()) return bad;
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("fetching from worker ", address, ": ", status.error_message()));
  }
  FetchResult result;
  result.values = std::move(assembler.values());
  result.missing = assembler.missing();
  for (const std::string& key : keys) {
    if (!result.values.contains(key) &&
        std::find(result.missing.begin(), result.missing.end(), key) == result.missing.end()) {
      result.missing.push_back(key);
    }
  }
  return result;
}

}  // namespace brisk
