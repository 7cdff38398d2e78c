// The scheduler's HTTP endpoint against the real daemons: /metrics (checked by Prometheus' own
// parser, promtool, and against `brisk status -o json`), the dashboard's pages (in headless
// Chromium), its port rules and its token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "tests/integration/cluster.h"
#include "tests/integration/test_json.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// A graph whose job errs: `bad` fails, and `after`, which needs it, fails with it.
constexpr char kFailingGraph[] = R"json({"tasks": [
   {"key": "bad", "op": "fail", "args": [{"str": "boom"}]},
   {"key": "after", "op": "inc", "args": [{"ref": "bad"}]}
 ],
 "outputs": ["after"]})json";

// The port of a dashboard URL "http://127.0.0.1:PORT/"; 0 when it is not one.
int DashboardPort(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://127.0.0.1:") || !absl::ConsumeSuffix(&rest, "/")) {
    return 0;
  }
  int port = 0;
  return absl::SimpleAtoi(rest, &port) ? port : 0;
}

// `brisk status -o json`'s dashboard URL ("" when it has none), and the whole reply.
std::string DashboardUrl(const TestCluster& cluster, JsonValue* status = nullptr,
                         const std::vector<std::string>& cli_args = {}) {
  std::vector<std::string> args = cli_args;
  args.insert(args.end(), {"-o", "json", "status"});
  CliResult r = cluster.RunCli(args);
  EXPECT_EQ(r.exit_code, 0) << r.ToString();
  const JsonValue s = ParseJson(r.out);
  if (status != nullptr) *status = s;
  return HasField(s, "dashboard") ? String(s, "dashboard") : "";
}

struct Http {
  int status = -1;  // -1: no answer
  std::string body;
  std::string content_type;
  std::string set_cookie;
};

Http Get(int port, const std::string& path, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  Http out;
  if (auto res = client.Get(path.c_str(), headers)) {
    out.status = res->status;
    out.body = res->body;
    out.content_type = res->get_header_value("Content-Type");
    out.set_cookie = res->get_header_value("Set-Cookie");
  }
  return out;
}

// The samples of a /metrics text, by series ("name{labels}"); a test failure on a line that is
// neither a comment nor `series value`.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !(absl::SimpleAtod(line.substr(space + 1), &value) || line.substr(space + 1) == "+Inf")) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    EXPECT_TRUE(samples.emplace(std::string(line.substr(0, space)), value).second)
        << "twice: " << line;
  }
  return samples;
}

double Sample(const std::map<std::string, double>& samples, const std::string& series) {
  auto it = samples.find(series);
  if (it == samples.end()) {
    ADD_FAILURE() << "no series " << series;
    return -1;
  }
  return it->second;
}

// A listening socket on 127.0.0.1:`port` (0: any) with SO_REUSEPORT, as another server that
// allows sharing would hold it; -1 when it cannot be had. `*bound` gets the port.
int Listen(int port, int* bound) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

// Whether an executable is on PATH.
bool OnPath(const std::string& program) {
  return RunProcess({"/bin/sh", "-c", absl::StrCat("command -v ", program)}, "", absl::Seconds(10))
             .exit_code == 0;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start({WorkerSpec("w0"), WorkerSpec("w1", /*nthreads=*/2)});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    url_ = DashboardUrl(*cluster_);
    port_ = DashboardPort(url_);
    ASSERT_GT(port_, 0) << "brisk status -o json's dashboard: " << url_;
  }

  // Runs a finishing job and an erring one, to completion.
  void RunJobs() {
    CliResult hello = cluster_->RunCli({"submit", cluster_->WriteFile("hello.json", kHelloGraph)});
    ASSERT_EQ(hello.exit_code, 0) << hello.ToString();
    CliResult failing =
        cluster_->RunCli({"submit", cluster_->WriteFile("failing.json", kFailingGraph)});
    ASSERT_NE(failing.exit_code, 0) << failing.ToString();
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string url_;
  int port_ = 0;
};

TEST_F(DashboardTest, MetricsCountWhatTheStatusCounts) {
  ASSERT_NO_FATAL_FAILURE(RunJobs());
  // Asked right after the jobs ended: /metrics reflects every event the scheduler handled first.
  Http metrics = Get(port_, "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  JsonValue status;
  EXPECT_EQ(DashboardUrl(*cluster_, &status), url_);
  EXPECT_THAT(cluster_->SchedulerLog(), HasSubstr(absl::StrCat("dashboard at ", url_)));

  const std::map<std::string, double> samples = Samples(metrics.body);
  const JsonValue& tasks = Field(status, "tasks");
  for (const char* state : {"released", "waiting", "queued", "no-worker", "processing", "memory",
                            "finished", "erred", "cancelled"}) {
    const double want = HasField(tasks, state) ? Number(tasks, state) : 0;
    EXPECT_EQ(Sample(samples, absl::StrCat("brisk_tasks{state=\"", state, "\"}")), want) << state;
  }
  EXPECT_EQ(Sample(samples, "brisk_tasks{state=\"erred\"}"), 2) << "bad and after";
  EXPECT_EQ(Sample(samples, "brisk_workers"), Field(status, "workers").list_value().values_size());
  for (const JsonValue& w : Field(status, "workers").list_value().values()) {
    const std::string labels = absl::StrCat("{worker=\"", String(w, "name"), "\"}");
    EXPECT_EQ(Sample(samples, "brisk_worker_threads" + labels), Number(w, "nthreads"));
    EXPECT_GE(Sample(samples, "brisk_worker_memory_bytes" + labels), 0);
    EXPECT_GE(Sample(samples, "brisk_worker_spilled_bytes" + labels), 0);
    EXPECT_EQ(Sample(samples, "brisk_worker_running_tasks" + labels), 0) << "all done";
  }
  // The hello job ran inc, add and sum once each; the failing one failed fail and inc.
  EXPECT_EQ(Sample(samples, "brisk_tasks_finished_total{op=\"inc\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_tasks_finished_total{op=\"add\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_tasks_finished_total{op=\"sum\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_tasks_finished_total{op=\"fail\"}"), 0);
  EXPECT_EQ(Sample(samples, "brisk_tasks_failed_total{op=\"fail\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_tasks_failed_total{op=\"inc\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_task_duration_seconds_count{op=\"sum\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_task_duration_seconds_bucket{op=\"sum\",le=\"+Inf\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_jobs{state=\"finished\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_jobs{state=\"erred\"}"), 1);
  EXPECT_EQ(Sample(samples, "brisk_jobs{state=\"running\"}"), 0);
  EXPECT_GT(Sample(samples, "brisk_event_loop_latency_seconds_count"), 0);

  // Prometheus' own parser and linter.
  ASSERT_TRUE(OnPath("promtool"))
      << "promtool (Debian's prometheus package; scripts/setup --checks installs it) is needed";
  CliResult check =
      RunProcess({"/usr/bin/env", "promtool", "check", "metrics"}, metrics.body, absl::Seconds(30));
  EXPECT_EQ(check.exit_code, 0) << check.ToString() << "\n" << metrics.body;
  EXPECT_EQ(check.out + check.err, "") << "lint findings";

  // Counters only grow: a second job adds to them.
  CliResult again = cluster_->RunCli({"submit", cluster_->WriteFile("again.json", kHelloGraph)});
  ASSERT_EQ(again.exit_code, 0) << again.ToString();
  const std::map<std::string, double> later = Samples(Get(port_, "/metrics").body);
  EXPECT_GE(Sample(later, "brisk_tasks_finished_total{op=\"inc\"}"), 1);
  EXPECT_EQ(Sample(later, "brisk_tasks_failed_total{op=\"fail\"}"), 1);
  EXPECT_EQ(Sample(later, "brisk_jobs{state=\"finished\"}"), 2);
}

TEST_F(DashboardTest, PagesAndTheirJson) {
  Http page = Get(port_, "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("<td>w0</td>"));
  EXPECT_THAT(page.body, HasSubstr("<td>w1</td>"));
  EXPECT_THAT(page.body, HasSubstr("2 workers;"));
  EXPECT_THAT(page.body, Not(HasSubstr("<!--BRISK_")));
  Http js = Get(port_, "/dashboard.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_THAT(js.body, HasSubstr("api/workers"));
  EXPECT_EQ(Get(port_, "/dashboard.css").status, 200);
  EXPECT_EQ(Get(port_, "/no-such-page").status, 404);

  Http api = Get(port_, "/api/workers");
  ASSERT_EQ(api.status, 200) << api.body;
  const JsonValue doc = ParseJson(api.body);
  std::map<std::string, double> threads;
  for (const JsonValue& w : Field(doc, "workers").list_value().values()) {
    threads[String(w, "name")] = Number(w, "nthreads");
    EXPECT_GT(Number(w, "joined"), 1.6e9) << "Unix seconds";
  }
  EXPECT_EQ(threads, (std::map<std::string, double>{{"w0", 1}, {"w1", 2}}));
}

// Chromium, headless, loads the page with its script and stylesheet and shows the workers; the
// script's first refresh from /api/workers has run (it writes when it refreshed).
TEST_F(DashboardTest, ABrowserShowsTheWorkers) {
  std::string chromium = OnPath("chromium") ? "chromium" : "";
  ASSERT_FALSE(chromium.empty())
      << "chromium (Debian's package; scripts/setup --checks installs it) is needed";
  const std::string profile = absl::StrCat(cluster_->dir(), "/chromium-profile");
  CliResult dom = RunProcess(
      {"/usr/bin/env", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", url_},
      "", absl::Seconds(90));
  ASSERT_EQ(dom.exit_code, 0) << dom.ToString();
  EXPECT_THAT(dom.out, HasSubstr("<td>w0</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<td>w1</td>"));
  EXPECT_THAT(dom.out, HasSubstr("Refreshed every second; last at")) << "the script refreshed";
}

TEST(DashboardPorts, MinusOneServesNone) {
  auto cluster = TestCluster::Start(1, {.scheduler_args = {"--dashboard-port", "-1"}});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(DashboardUrl(**cluster), "");
  EXPECT_THAT((*cluster)->SchedulerLog(), Not(HasSubstr("dashboard at")));
}

TEST(DashboardPorts, AnExplicitPortThatIsTakenIsAnError) {
  int port = 0;
  const int held = Listen(0, &port);
  ASSERT_GE(held, 0);
  CliResult r = RunProcess(
      {BinDir() + "/brisk-scheduler", "--port", "0", "--dashboard-port", absl::StrCat(port)}, "",
      absl::Seconds(30));
  close(held);
  EXPECT_EQ(r.exit_code, 1) << r.ToString();
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("cannot serve the dashboard on 127.0.0.1:", port)));
}

// The default port, 8787, taken (here by this test, with SO_REUSEPORT, as a server that allows
// sharing would: the scheduler must not share it): the scheduler serves on another and logs it.
TEST(DashboardPorts, TheDefaultPortGivesWay) {
  int port = 0;
  const int held = Listen(8787, &port);  // -1 when something else holds it: taken either way
  auto cluster = TestCluster::Start(1, {.default_dashboard_port = true});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string url = DashboardUrl(**cluster);
  const int serving = DashboardPort(url);
  EXPECT_GT(serving, 0) << url;
  EXPECT_NE(serving, 8787) << url;
  EXPECT_THAT((*cluster)->SchedulerLog(),
              HasSubstr(absl::StrCat("dashboard port 8787 is taken: serving the dashboard on port ",
                                     serving, " instead")));
  EXPECT_EQ(Get(serving, "/metrics").status, 200);
  if (held >= 0) close(held);
}

TEST(DashboardToken, IsNeededWhenTheSchedulerHasOne) {
  auto dir = MakeTempDir("brisk-dash-token");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string token_file = *dir + "/token";
  { std::ofstream(token_file) << "dash-s3cret\n"; }
  ClusterOptions options;
  options.scheduler_args = {"--auth-token-file", token_file};
  options.auth_token = "dash-s3cret";
  std::vector<WorkerSpec> workers = {WorkerSpec("w0")};
  workers[0].extra_args = {"--auth-token-file", token_file};
  auto cluster = TestCluster::Start(workers, options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const int port =
      DashboardPort(DashboardUrl(**cluster, nullptr, {"--auth-token-file", token_file}));
  ASSERT_GT(port, 0);

  Http none = Get(port, "/metrics");
  EXPECT_EQ(none.status, 401);
  EXPECT_THAT(none.body, HasSubstr("auth token"));
  EXPECT_EQ(Get(port, "/").status, 401);
  EXPECT_EQ(Get(port, "/api/workers").status, 401);
  EXPECT_EQ(Get(port, "/metrics", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(Get(port, "/metrics", {{"Authorization", "Bearer dash-s3cret"}}).status, 200);

  Http page = Get(port, "/?token=dash-s3cret");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<td>w0</td>"));
  ASSERT_THAT(page.set_cookie, HasSubstr("brisk_dashboard="));
  const std::string cookie = page.set_cookie.substr(0, page.set_cookie.find(';'));
  EXPECT_EQ(Get(port, "/api/workers", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(Get(port, "/?token=wrong").status, 401);
  std::filesystem::remove_all(*dir);
}

}  // namespace
}  // namespace brisk::testing
