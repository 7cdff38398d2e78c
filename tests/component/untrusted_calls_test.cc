// Calls a scheduler must survive: no token or the wrong one when a token is configured, bytes that
// are not the messages a method takes, unknown methods, and a connection that does not speak
// HTTP/2 at all. Each is refused (with a clear status wherever gRPC lets the service give one) and
// the service carries on.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "tests/component/in_process_scheduler.h"
#include "tests/component/protocol.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

constexpr char kToken[] = "component-test-token";

SchedulerServerOptions WithToken() {
  SchedulerServerOptions options;
  options.auth_token = kToken;
  return options;
}

// `bytes` as a message buffer.
grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// An encoding no message parses: a field tag whose varint never ends.
constexpr char kGarbage[] = "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";

class UntrustedCallsTest : public ::testing::Test {
 protected:
  // Calls `method` with `request` as raw bytes; returns how it ended.
  grpc::Status RawUnary(const std::string& method, const std::string& request,
                        std::optional<std::string> token) {
    grpc::GenericStub stub(scheduler_.channel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    scheduler_.Authorize(context, token);
    grpc::ByteBuffer in = Buffer(request), out;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return status;
  }

  // The service still works: a worker registers and a client's graph is accepted.
  void ExpectStillServing() {
    std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("after");
    ASSERT_NE(worker, nullptr);
    std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
    v1::Task task = Task("a");
    task.add_workers("after");  // not to a worker the test registered before
    ASSERT_TRUE(client->Send(Submit(1, {task})));
    std::optional<v1::SubmitResult> submitted = AwaitSubmitted(*client, 1);
    ASSERT_TRUE(submitted.has_value());
    EXPECT_EQ(submitted->error(), "");
    EXPECT_TRUE(AwaitCompute(*worker).has_value());
  }

  InProcessScheduler scheduler_{WithToken()};
};

TEST_F(UntrustedCallsTest, StreamsWithoutTheTokenAreRefusedAsUnauthenticated) {
  std::unique_ptr<ScriptedWorker> anonymous = scheduler_.OpenWorker(/*token=*/"");
  std::unique_ptr<ScriptedWorker> wrong = scheduler_.OpenWorker("not-the-token");
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient(/*token=*/"");
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = Registration("intruder");
  anonymous->Send(hello);  // may already fail: the stream is refused before it reads anything
  wrong->Send(hello);

  std::optional<grpc::Status> end = anonymous->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(end->error_message(), HasSubstr("needs an auth token"));
  end = wrong->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(end->error_message(), HasSubstr("wrong auth token"));
  end = client->WaitEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // None of them registered.
  grpc::ClientContext context;
  scheduler_.Authorize(context);
  v1::StatusReply status;
  ASSERT_TRUE(scheduler_.stub().Status(&context, v1::StatusRequest(), &status).ok());
  EXPECT_EQ(status.workers_size(), 0);
  ExpectStillServing();
}

TEST_F(UntrustedCallsTest, UnaryCallsWithoutTheTokenAreRefusedAndShutdownIsNotObeyed) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  for (const char* method : {"Status", "GetJob", "ListJobs", "WhoHas", "GetLog", "Publish",
                             "GetPublished", "Shutdown", "ReportWorkerExit"}) {
    grpc::Status status = RawUnary(absl::StrCat("/brisk.v1.Scheduler/", method), "", "");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    status = RawUnary(absl::StrCat("/brisk.v1.Scheduler/", method), "", "wrong");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
  }
  // Had the refused Shutdown been obeyed, the worker would be told to exit before this answer.
  ASSERT_TRUE(worker->Send(Done({"stale"})));
  std::optional<v1::SchedulerToWorker> next = worker->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(next->shutdown());
  EXPECT_EQ(next->release_size(), 1);
  EXPECT_TRUE(RawUnary("/brisk.v1.Scheduler/Status", "", kToken).ok());
}

TEST_F(UntrustedCallsTest, BytesThatAreNotTheRequestAndUnknownMethodsAreRefused) {
  for (const char* method : {"Status", "GetJob", "WhoHas", "Publish"}) {
    for (std::optional<std::string> token :
         {std::optional<std::string>(""), std::optional<std::string>(kToken)}) {
      grpc::Status status = RawUnary(absl::StrCat("/brisk.v1.Scheduler/", method), kGarbage, token);
      // gRPC 1.51 answers a request that does not parse with UNIMPLEMENTED and no message,
      // before any handler runs: nothing the service can improve, so only "refused" is checked.
      EXPECT_FALSE(status.ok()) << method << " took garbage";
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE)
          << method << ": the server went away: " << status.error_message();
    }
  }
  grpc::Status unknown = RawUnary("/brisk.v1.Scheduler/RunAnything", "", kToken);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  ExpectStillServing();
}

TEST_F(UntrustedCallsTest, GarbageOnAWorkerStreamEndsThatStreamOnly) {
  std::unique_ptr<ScriptedWorker> good = scheduler_.RegisterWorker("w1");
  ASSERT_NE(good, nullptr);
  using RawStream = ScriptedStream<grpc::ByteBuffer, grpc::ByteBuffer>;
  RawStream raw(
      [this](grpc::ClientContext* context) {
        return std::unique_ptr<RawStream::Rpc>(
            grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
                scheduler_.channel().get(),
                grpc::internal::RpcMethod("/brisk.v1.Scheduler/WorkerStream",
                                          grpc::internal::RpcMethod::BIDI_STREAMING),
                context));
      },
      [this](grpc::ClientContext& context) { scheduler_.Authorize(context); });
  raw.Send(Buffer(kGarbage));
  std::optional<grpc::Status> end = raw.WaitEnd();
  ASSERT_TRUE(end.has_value()) << "a stream of garbage was left open";
  // Its status is OK, not an error: gRPC's callback API reports a message that does not parse
  // as the end of the peer's messages (OnReadDone(false)), so ServerStream cannot tell the two
  // apart. Not asserted either way here.

  // The registered worker's stream is untouched.
  ASSERT_TRUE(good->Send(Done({"stale"})));
  std::optional<v1::SchedulerToWorker> next = good->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->release_size(), 1);
  ExpectStillServing();
}

TEST_F(UntrustedCallsTest, AConnectionThatIsNotHttp2IsClosed) {
  int port = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(scheduler_.address().substr(scheduler_.address().rfind(':') + 1), &port));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};  // bounds the reads below should the server not close
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(4096, '\xfe');
  send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
  }
  EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "the connection was not closed";
  close(fd);
  ExpectStillServing();
}

TEST(SchedulerServer, RefusesANonLoopbackHostWithoutAToken) {
  SchedulerServerOptions options;
  options.host = "0.0.0.0";
  SchedulerServer server(options);
  absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(started.message(), HasSubstr("without --auth-token-file"));
}

}  // namespace
}  // namespace brisk
