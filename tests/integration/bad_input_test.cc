// Bad input from clients, peers and strangers: the daemons refuse it with a clear message and keep
// serving.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/bulk_transfer.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The cluster runs a good graph: the README's example through the command line.
void ExpectClusterWorks(const TestCluster& cluster) {
  CliResult r = cluster.RunCli({"submit", "-"}, kHelloGraph);
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  EXPECT_EQ(r.out, "c: 6.5\n") << r.ToString();
}

// A graph moving a value from w0 to w1 through the data plane, gathered back by a client.
void ExpectDataPlaneWorks(const TestCluster& cluster) {
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  v1::Graph graph;
  AddTask(graph, "dp-src", "range", {IntArg(100)}, {"w0"});
  AddTask(graph, "dp-len", "len", {RefArg("dp-src")}, {"w1"});
  // Large enough to go over the bulk port.
  AddTask(graph, "dp-big", "bytes", {IntArg(kBulkMinBytes * 2)}, {"w0"});
  AddTask(graph, "dp-big-size", "nbytes", {RefArg("dp-big")}, {"w1"});
  graph.add_outputs("dp-len");
  graph.add_outputs("dp-src");
  graph.add_outputs("dp-big-size");
  auto job = (*client)->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  auto state = (*client)->Wait(job->id, absl::Seconds(30));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(*state, v1::JOB_STATE_FINISHED);
  auto values = (*client)->Gather(job->outputs);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ((*values)[0]->int_(), 100);
  EXPECT_EQ((*values)[1]->list().items_size(), 100);
  EXPECT_EQ((*values)[2]->int_(), static_cast<int64_t>(kBulkMinBytes * 2));
}

// The bulk port a worker reports in its log ("(bulk port N)"); 0 when it has none.
int BulkPortOf(const std::string& log) {
  const std::string marker = "(bulk port ";
  const size_t at = log.find(marker);
  return at == std::string::npos ? 0 : std::atoi(log.c_str() + at + marker.size());
}

struct BadGraph {
  std::string name;
  std::string json;
  std::vector<std::string> must_mention;  // in the error message on standard error
};

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(2);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(BadInputTest, InvalidGraphsExitTwoNamingTheProblemAndTheClusterCarriesOn) {
  const std::vector<BadGraph> cases = {
      {"malformed",
       R"({"tasks": [{"key": "a", "op": "inc", "args": [{"int": 1}]})",
       {"malformed.json", "JSON"}},
      {"unknown-field",
       R"({"tasks": [{"key": "a", "op": "inc", "args": [{"int": 1}], "colour": "red"}]})",
       {"colour"}},
      {"cycle",
       R"({"tasks": [
          {"key": "a", "op": "inc", "args": [{"ref": "c"}]},
          {"key": "b", "op": "inc", "args": [{"ref": "a"}]},
          {"key": "c", "op": "inc", "args": [{"ref": "b"}]}]})",
       {"cycle", "\"a\"", "\"b\"", "\"c\""}},
      {"missing-ref",
       R"({"tasks": [
          {"key": "a", "op": "inc", "args": [{"int": 1}]},
          {"key": "b", "op": "add", "args": [{"ref": "a"}, {"ref": "nowhere"}]}]})",
       {"\"b\"", "\"nowhere\""}},
      {"duplicate-key",
       R"({"tasks": [
          {"key": "twice", "op": "inc", "args": [{"int": 1}]},
          {"key": "twice", "op": "inc", "args": [{"int": 2}]}]})",
       {"duplicate", "\"twice\""}},
      // An op no worker has is not refused (it waits for a worker with it); a malformed name is.
      {"malformed-op",
       R"({"tasks": [{"key": "k", "op": "bad\u0007op", "args": [{"int": 1}]}]})",
       {"\"k\"", "control character"}},
  };
  for (const BadGraph& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = cluster_->WriteFile(c.name + ".json", c.json);
    CliResult r = cluster_->RunCli({"submit", path});
    EXPECT_EQ(r.exit_code, 2) << r.ToString();
    EXPECT_EQ(r.out, "") << r.ToString();
    for (const std::string& part : c.must_mention) {
      EXPECT_THAT(r.err, HasSubstr(part)) << r.ToString();
    }
    ExpectClusterWorks(*cluster_);
  }
  EXPECT_TRUE(cluster_->SchedulerAlive());
  EXPECT_TRUE(cluster_->WorkerAlive(0));
  EXPECT_TRUE(cluster_->WorkerAlive(1));
}

TEST(BadInputLimitsTest, MessageOverTheSchedulersLimitIsAnErrorNotAHang) {
  ClusterOptions small_messages;
  small_messages.scheduler_args = {"--max-message-mb", "1"};
  auto started = TestCluster::Start(2, small_messages);
  ASSERT_TRUE(started.ok()) << started.status();
  TestCluster& cluster = **started;
  {
    auto client = cluster.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    v1::Graph graph;
    AddTask(graph, "big-literal", "nbytes", {BytesArg(std::string(2 << 20, 'x'))});
    SubmitOptions options;
    options.chunk_tasks = 1 << 30;  // one message, over the limit
    auto submitted =
        std::async(std::launch::async, [&] { return (*client)->Submit(graph, options); });
    if (submitted.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "Submit of an oversized message hangs";
      kill(cluster.scheduler_pid(), SIGKILL);  // ends the client's stream: Submit returns
      submitted.wait();
      return;
    }
    auto job = submitted.get();
    ASSERT_FALSE(job.ok()) << "job " << job->id;
    // Not "unreachable": the scheduler refused the message, and the client says so.
    EXPECT_EQ(job.status().code(), absl::StatusCode::kResourceExhausted) << job.status();
    EXPECT_THAT(job.status().message(), HasSubstr(cluster.address())) << job.status();
  }
  // The command line says so too, as bad input.
  const std::string literal(2 << 20, 'x');
  std::string base64;
  absl::Base64Escape(literal, &base64);
  const std::string path = cluster.WriteFile(
      "big.json",
      absl::StrCat(R"({"tasks": [{"key": "big-literal", "op": "nbytes", "args": [{"bytes": ")",
                   base64, R"("}]}]})"));
  CliResult r = cluster.RunCli({"submit", path});
  EXPECT_EQ(r.exit_code, 2) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr(cluster.address())) << r.ToString();

  // A new client can submit normally; the daemons are fine.
  auto client = cluster.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  v1::Graph graph;
  AddTask(graph, "small", "inc", {IntArg(1)});
  auto job = (*client)->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  auto state = (*client)->Wait(job->id, absl::Seconds(30));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(*state, v1::JOB_STATE_FINISHED);
  auto value = (*client)->Result(job->outputs[0]);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)->int_(), 2);
  EXPECT_TRUE(cluster.SchedulerAlive());
}

// Connects to 127.0.0.1:port, writes `bytes` (as much as the peer takes), reads whatever it answers
// for a moment, and closes.
void SendRaw(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << "port " << port << ": " << std::strerror(errno);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server hung up on the garbage: fine
    sent += static_cast<size_t>(n);
  }
  // Drain the answer until the server closes or goes quiet.
  pollfd p{fd, POLLIN, 0};
  char buffer[4096];
  while (poll(&p, 1, 200) > 0) {
    if (read(fd, buffer, sizeof buffer) <= 0) break;
  }
  close(fd);
}

TEST_F(BadInputTest, RandomBytesOnTheSchedulerAndWorkerPortsAreSurvived) {
  std::mt19937_64 rng(20240611);
  std::string noise(64 << 10, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::string http = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n";
  // An HTTP/2 preface followed by garbage frames gets past the first check.
  const std::string h2 = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + noise.substr(0, 4096);

  auto client = cluster_->Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  auto status = (*client)->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  std::vector<int> ports = {cluster_->port()};
  for (const v1::WorkerInfo& w : status->workers()) ports.push_back(PortOf(w.address()));
  for (size_t i = 0; i < 2; ++i) ports.push_back(BulkPortOf(cluster_->WorkerLog(i)));
  ASSERT_EQ(ports.size(), 5u);
  for (int port : ports) {
    SCOPED_TRACE(absl::StrCat("port ", port));
    ASSERT_GT(port, 0);
    ASSERT_NO_FATAL_FAILURE(SendRaw(port, noise));
    ASSERT_NO_FATAL_FAILURE(SendRaw(port, http));
    ASSERT_NO_FATAL_FAILURE(SendRaw(port, h2));
  }
  EXPECT_TRUE(cluster_->SchedulerAlive());
  EXPECT_TRUE(cluster_->WorkerAlive(0));
  EXPECT_TRUE(cluster_->WorkerAlive(1));
  ExpectClusterWorks(*cluster_);
  ExpectDataPlaneWorks(*cluster_);
  EXPECT_TRUE(cluster_->WaitForWorkers(2).ok());
}

TEST_F(BadInputTest, WorkerWithATakenNameIsRefusedAndTheClusterCarriesOn) {
  auto added = cluster_->AddWorker(WorkerSpec("w0"), /*wait_registered=*/false);
  ASSERT_TRUE(added.ok()) << added.status();
  auto exit = cluster_->WaitWorkerExit(*added, absl::Seconds(20));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->exited && exit->code != 0) << exit->ToString();
  const std::string log = cluster_->WorkerLog(*added);
  EXPECT_THAT(log, AllOf(HasSubstr("\"w0\""), HasSubstr("already"))) << log;

  auto client = cluster_->Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  auto status = (*client)->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->workers_size(), 2);
  EXPECT_TRUE(cluster_->WorkerAlive(0));
  ExpectClusterWorks(*cluster_);
  ExpectDataPlaneWorks(*cluster_);
}

TEST(BadInputCliTest, UsageErrorsExitTwo) {
  const std::string brisk = BinDir() + "/brisk";
  const std::vector<std::vector<std::string>> cases = {
      {brisk, "--scheduler", "127.0.0.1:1", "submit"},               // missing the file
      {brisk, "--scheduler", "127.0.0.1:1", "-o", "xml", "status"},  // not text or json
      {brisk, "--scheduler", "127.0.0.1:1", "frobnicate"},           // no such command
      {brisk, "--scheduler", "127.0.0.1:1", "status", "--bogus"},
  };
  for (const auto& argv : cases) {
    CliResult r = RunProcess(argv, "", absl::Seconds(30));
    EXPECT_EQ(r.exit_code, 2) << argv.back() << ": " << r.ToString();
    EXPECT_FALSE(r.err.empty()) << argv.back();
  }
  CliResult help = RunProcess({brisk, "--help"}, "", absl::Seconds(30));
  EXPECT_EQ(help.exit_code, 0) << help.ToString();
  EXPECT_THAT(help.out, HasSubstr("submit"));
}

TEST(BadInputCliTest, UnreachableSchedulerExitsThree) {
  CliResult r = RunProcess({BinDir() + "/brisk", "--scheduler", "127.0.0.1:1", "status"}, "",
                           absl::Seconds(60));
  EXPECT_EQ(r.exit_code, 3) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1:1")) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr("reach")) << r.ToString();
}

}  // namespace
}  // namespace brisk::testing
