// Peers whose host vanishes (the connection stays open, nothing more arrives, not even a FIN):
// the scheduler's keepalive pings find them, shortened here from 10 s + 10 s to 100 ms + 1 s
// (the timeout generous enough that a loaded machine still answers the live peers' pings), and
// their streams end as if they had closed. A FreezableProxy between the peer and the scheduler
// plays the vanished host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "tests/component/freezable_proxy.h"
#include "tests/component/in_process_scheduler.h"
#include "tests/component/protocol.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;

SchedulerServerOptions QuickKeepalive() {
  SchedulerServerOptions options;
  options.scheduler.speculation_depth = 0;
  options.keepalive_time = absl::Milliseconds(100);
  options.keepalive_timeout = absl::Seconds(1);
  return options;
}

class VanishedPeerTest : public ::testing::Test {
 protected:
  VanishedPeerTest() {
    int port = 0;
    EXPECT_TRUE(
        absl::SimpleAtoi(scheduler_.address().substr(scheduler_.address().rfind(':') + 1), &port));
    proxy_ = std::make_unique<FreezableProxy>(port);
    stub_ = v1::Scheduler::NewStub(
        grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  }

  // Streams through the proxy, so that freezing it makes their peer vanish.
  std::unique_ptr<ScriptedWorker> WorkerViaProxy() {
    return std::make_unique<ScriptedWorker>(
        [this](grpc::ClientContext* context) { return stub_->WorkerStream(context); });
  }
  std::unique_ptr<ScriptedClient> ClientViaProxy() {
    return std::make_unique<ScriptedClient>(
        [this](grpc::ClientContext* context) { return stub_->ClientStream(context); });
  }

  InProcessScheduler scheduler_{QuickKeepalive()};
  std::unique_ptr<FreezableProxy> proxy_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

TEST_F(VanishedPeerTest, AWorkerWhoseHostVanishesIsDroppedAndItsTaskRunsElsewhere) {
  std::unique_ptr<ScriptedWorker> far = WorkerViaProxy();
  std::optional<v1::SchedulerToWorker> registered = Register(*far, "far");
  ASSERT_TRUE(registered.has_value() && registered->has_registered());
  std::unique_ptr<ScriptedClient> client = scheduler_.OpenClient();
  ASSERT_TRUE(client->Send(Submit(1, {Task("a")})));
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*far);
  ASSERT_TRUE(batch.has_value());
  ASSERT_THAT(ComputeKeys(*batch), ElementsAre("a"));

  std::unique_ptr<ScriptedWorker> near = scheduler_.RegisterWorker("near");
  ASSERT_NE(near, nullptr);
  proxy_->Freeze();
  batch = AwaitCompute(*near);
  ASSERT_TRUE(batch.has_value()) << "the vanished worker's task was not placed again";
  EXPECT_THAT(ComputeKeys(*batch), ElementsAre("a"));
}

TEST_F(VanishedPeerTest, AClientWhoseHostVanishesHasItsJobCancelled) {
  std::unique_ptr<ScriptedWorker> worker = scheduler_.RegisterWorker("w1");
  ASSERT_NE(worker, nullptr);
  std::unique_ptr<ScriptedClient> far = ClientViaProxy();
  ASSERT_TRUE(far->Send(Submit(1, {Task("a")})));
  std::optional<v1::SchedulerToWorker> batch = AwaitCompute(*worker);
  ASSERT_TRUE(batch.has_value());
  ASSERT_THAT(ComputeKeys(*batch), ElementsAre("a"));

  proxy_->Freeze();
  std::optional<v1::SchedulerToWorker> cancel =
      worker->NextWhere([](const v1::SchedulerToWorker& b) { return b.cancel_size() > 0; });
  ASSERT_TRUE(cancel.has_value()) << "the vanished client's job was not cancelled";
  EXPECT_THAT(cancel->cancel(), ElementsAre("a"));
}

}  // namespace
}  // namespace brisk
