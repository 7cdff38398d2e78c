#include "common/data_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/grpc_status.h"

namespace brisk {

v1::Worker::Stub* DataClient::StubFor(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto& stub = stubs_[address];
  if (!stub) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    stub = v1::Worker::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return stub.get();
}

absl::StatusOr<FetchResult> DataClient::Fetch(const std::string& address,
                                              const std::vector<std::string>& keys) {
  v1::GetDataRequest request;
  for (const std::string& key : keys) request.add_keys(key);
  grpc::ClientContext context;
  AddAuth(context, token_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  auto reader = StubFor(address)->GetData(&context, request);
  ValueAssembler assembler;
  v1::DataChunk chunk;
  absl::Status bad = absl::OkStatus();
  while (reader->Read(&chunk)) {
    if (bad.ok()) bad = assembler.Add(chunk);
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("fetching from worker ", address, ": ", status.error_message()));
  }
  if (!bad.ok()) return bad;
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
