#include "common/data_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "brisk/v1/worker.pb.h"
#include "common/auth.h"
#include "common/bulk_transfer.h"
#include "spdlog/spdlog.h"

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

absl::Status DataClient::Stream(const std::string& address, const std::vector<std::string>& keys,
                                bool bulk_ok, ValueAssembler& assembler) {
  v1::GetDataRequest request;
  for (const std::string& key : keys) request.add_keys(key);
  request.set_bulk_ok(bulk_ok);
  const std::string encoded = request.SerializeAsString();
  grpc::Slice request_slice(encoded);
  grpc::ByteBuffer request_message(&request_slice, 1);

  grpc::ClientContext context;
  AddAuth(context, token_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  BlockingCall call;
  auto stream = StubFor(address)->PrepareCall(&context, kGetData, call.cq());
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
  return absl::OkStatus();
}

absl::StatusOr<FetchResult> DataClient::Fetch(const std::string& address,
                                              const std::vector<std::string>& keys) {
  const absl::Time now = absl::Now();
  bool bulk_ok;
  {
    absl::MutexLock lock(&mu_);
    auto it = bulk_failed_until_.find(address);
    bulk_ok = it == bulk_failed_until_.end() || it->second <= now;
  }
  ValueAssembler assembler;
  if (absl::Status status = Stream(address, keys, bulk_ok, assembler); !status.ok()) {
    return status;
  }
  // Values offered on the bulk port are read from it; where that fails (a firewall that lets
  // only the data service port through, say), they come through the data service after all.
  std::vector<std::string> again;
  for (const BulkOffer& offer : assembler.bulk_offers()) {
    if (!again.empty()) {  // the port failed once: the rest need not wait to fail too
      again.push_back(offer.key);
      continue;
    }
    std::string bytes;
    absl::Status read = BulkRead(HostOf(address), offer.port, offer.ticket, offer.size, bytes);
    if (read.ok()) read = assembler.CompleteBulk(offer, std::move(bytes));
    if (!read.ok()) {
      spdlog::warn("value {}: {}; fetching it through the data service instead", offer.key,
                   std::string(read.message()));
      again.push_back(offer.key);
    }
  }
  FetchResult result;
  result.values = std::move(assembler.values());
  result.missing = assembler.missing();
  if (!again.empty()) {
    {
      // Do not try that worker's bulk port again for a while: each try may cost a timeout.
      absl::MutexLock lock(&mu_);
      bulk_failed_until_[address] = absl::Now() + kBulkRetryAfter;
    }
    ValueAssembler retry;
    if (absl::Status status = Stream(address, again, /*bulk_ok=*/false, retry); !status.ok()) {
      return status;
    }
    for (auto& [key, value] : retry.values()) result.values[key] = std::move(value);
    result.missing.insert(result.missing.end(), retry.missing().begin(), retry.missing().end());
  }
  for (const std::string& key : keys) {
    if (!result.values.contains(key) &&
        std::find(result.missing.begin(), result.missing.end(), key) == result.missing.end()) {
      result.missing.push_back(key);
    }
  }
  return result;
}

}  // namespace brisk
