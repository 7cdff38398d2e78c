// The scheduler's /metrics text (MetricsText) from a snapshot made by hand, checked line by line
// and against the exposition format's rules, and the dashboard's auth decisions (DashboardAuth).
#include "scheduler/metrics_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "scheduler/dashboard_auth.h"
#include "scheduler/dashboard_json.h"
#include "scheduler/dashboard_page.h"

namespace brisk {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

DashboardSnapshot MakeSnapshot() {
  DashboardSnapshot s;
  v1::WorkerInfo* w0 = s.status.add_workers();
  w0->set_name("w0");
  w0->set_nthreads(2);
  w0->set_running(1);
  w0->set_processing(3);
  w0->set_memory(100);
  w0->set_spilled(40);
  w0->set_spilled_total(400);
  w0->set_memory_limit(1000);
  w0->set_joined(1700000000.5);
  v1::WorkerInfo* w1 = s.status.add_workers();
  w1->set_name("odd \"name\"\\ <b>\nnext");  // every character a label value must escape
  w1->set_nthreads(1);
  w1->set_memory(7);
  auto count = [&s](v1::TaskState state, uint64_t n) {
    v1::TaskStateCount* c = s.status.add_tasks();
    c->set_state(state);
    c->set_count(n);
  };
  count(v1::TASK_STATE_MEMORY, 3);
  count(v1::TASK_STATE_FINISHED, 5);
  count(v1::TASK_STATE_ERRED, 1);
  OpMetrics inc;
  inc.finished = 8;
  inc.duration.Observe(0.002);
  inc.duration.Observe(0.002);
  inc.duration.Observe(7);
  inc.duration.Observe(5000);  // beyond the last bound: only +Inf counts it
  OpMetrics fail;
  fail.failed = 1;
  s.ops = {{"inc", inc}, {"fail", fail}};
  s.jobs = {{v1::JOB_STATE_RUNNING, 1}, {v1::JOB_STATE_FINISHED, 2}};
  s.loop_latency.Observe(0.0002);
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  EXPECT_TRUE(absl::EndsWith(text, "\n")) << "the last line ends too";
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines.pop_back();
  return lines;
}

// The family a sample line belongs to: its name, without a histogram's suffix.
std::string FamilyOf(const std::string& sample_name,
                     const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (absl::EndsWith(sample_name, suffix)) {
      std::string base = sample_name.substr(0, sample_name.size() - strlen(suffix));
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return sample_name;
}

TEST(MetricsText, EveryTaskStateHasASeriesAndTheCountsOfTheStatus) {
  const std::vector<std::string> lines = Lines(MetricsText(MakeSnapshot()));
  EXPECT_THAT(lines, Contains("brisk_tasks{state=\"memory\"} 3"));
  EXPECT_THAT(lines, Contains("brisk_tasks{state=\"finished\"} 5"));
  EXPECT_THAT(lines, Contains("brisk_tasks{state=\"erred\"} 1"));
  EXPECT_THAT(lines, Contains("brisk_tasks{state=\"waiting\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_tasks{state=\"no-worker\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_workers 2"));
  EXPECT_THAT(lines, Contains("brisk_jobs{state=\"running\"} 1"));
  EXPECT_THAT(lines, Contains("brisk_jobs{state=\"finished\"} 2"));
}

TEST(MetricsText, CountersByOp) {
  const std::vector<std::string> lines = Lines(MetricsText(MakeSnapshot()));
  EXPECT_THAT(lines, Contains("# TYPE brisk_tasks_finished_total counter"));
  EXPECT_THAT(lines, Contains("brisk_tasks_finished_total{op=\"inc\"} 8"));
  EXPECT_THAT(lines, Contains("brisk_tasks_finished_total{op=\"fail\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_tasks_failed_total{op=\"fail\"} 1"));
  EXPECT_THAT(lines, Contains("brisk_tasks_failed_total{op=\"inc\"} 0"));
}

TEST(MetricsText, HistogramBucketsAreCumulative) {
  const std::vector<std::string> lines = Lines(MetricsText(MakeSnapshot()));
  EXPECT_THAT(lines, Contains("# TYPE brisk_task_duration_seconds histogram"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"0.001\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"0.005\"} 2"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"5\"} 2"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"10\"} 3"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"3600\"} 3"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"inc\",le=\"+Inf\"} 4"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_count{op=\"inc\"} 4"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_sum{op=\"inc\"} 5007.004"));
  EXPECT_THAT(lines, Contains("brisk_task_duration_seconds_bucket{op=\"fail\",le=\"+Inf\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_event_loop_latency_seconds_bucket{le=\"0.0005\"} 1"));
  EXPECT_THAT(lines, Contains("brisk_event_loop_latency_seconds_bucket{le=\"0.0001\"} 0"));
  EXPECT_THAT(lines, Contains("brisk_event_loop_latency_seconds_count 1"));
}

TEST(MetricsText, PerWorkerSeriesAndEscapedLabels) {
  const std::vector<std::string> lines = Lines(MetricsText(MakeSnapshot()));
  EXPECT_THAT(lines, Contains("brisk_worker_memory_bytes{worker=\"w0\"} 100"));
  EXPECT_THAT(lines, Contains("brisk_worker_spilled_bytes{worker=\"w0\"} 40"));
  EXPECT_THAT(lines, Contains("brisk_worker_spilled_written_bytes_total{worker=\"w0\"} 400"));
  EXPECT_THAT(lines, Contains("brisk_worker_running_tasks{worker=\"w0\"} 1"));
  EXPECT_THAT(lines, Contains("brisk_worker_threads{worker=\"w0\"} 2"));
  EXPECT_THAT(lines, Contains("brisk_worker_memory_limit_bytes{worker=\"w0\"} 1000"));
  EXPECT_THAT(lines, Contains("brisk_worker_joined_timestamp_seconds{worker=\"w0\"} 1700000000.5"));
  EXPECT_THAT(lines,
              Contains("brisk_worker_memory_bytes{worker=\"odd \\\"name\\\"\\\\ <b>\\nnext\"} 7"));
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

// The rules of the text format a scraper relies on: each family's HELP then TYPE come once and
// before its samples, samples of a family are together, a sample line is `name{labels} value`
// with a number, and no series appears twice.
TEST(MetricsText, FollowsTheExpositionFormat) {
  const std::vector<std::string> lines = Lines(MetricsText(MakeSnapshot()));
  std::map<std::string, std::string> types;
  std::set<std::string> helped, finished_families, series;
  std::string current;
  for (const std::string& line : lines) {
    ASSERT_FALSE(line.empty());
    if (absl::StartsWith(line, "# HELP ")) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
      ASSERT_EQ(parts.size(), 4u) << line;
      EXPECT_TRUE(helped.insert(parts[2]).second) << "HELP twice: " << line;
      if (!current.empty()) finished_families.insert(current);
      current = parts[2];
      EXPECT_FALSE(finished_families.contains(current)) << line;
      continue;
    }
    if (absl::StartsWith(line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      ASSERT_EQ(parts.size(), 4u) << line;
      EXPECT_EQ(parts[2], current) << "TYPE right after its HELP: " << line;
      EXPECT_THAT((std::set<std::string>{"counter", "gauge", "histogram"}), Contains(parts[3]));
      EXPECT_TRUE(types.emplace(parts[2], parts[3]).second) << line;
      continue;
    }
    ASSERT_FALSE(absl::StartsWith(line, "#")) << line;
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string id = line.substr(0, space);
    const std::string value = line.substr(space + 1);
    double number;
    EXPECT_TRUE(value == "+Inf" || absl::SimpleAtod(value, &number)) << line;
    const std::string name = id.substr(0, id.find('{'));
    EXPECT_EQ(FamilyOf(name, types), current) << "a sample outside its family: " << line;
    if (types[current] == "counter") {
      EXPECT_TRUE(absl::EndsWith(name, "_total")) << line;
    }
    EXPECT_TRUE(series.insert(id).second) << "series twice: " << line;
  }
  for (const char* family :
       {"brisk_tasks", "brisk_tasks_finished_total", "brisk_tasks_failed_total",
        "brisk_task_duration_seconds", "brisk_workers", "brisk_worker_memory_bytes",
        "brisk_worker_spilled_bytes", "brisk_worker_running_tasks", "brisk_jobs",
        "brisk_event_loop_latency_seconds"}) {
    EXPECT_TRUE(types.contains(family)) << family;
  }
}

TEST(DashboardPage, FillsInTheWorkersAsEscapedText) {
  const std::string page = DashboardPage(
      "<p><!--BRISK_SUMMARY--></p><table><!--BRISK_WORKERS--></table>", MakeSnapshot());
  EXPECT_THAT(page, HasSubstr("<tr><td>w0</td><td>"));
  EXPECT_THAT(page, HasSubstr("<td>odd &quot;name&quot;\\ &lt;b&gt;\nnext</td>"));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  EXPECT_THAT(page, HasSubstr("<p>2 workers; tasks: memory 3 finished 5 erred 1; jobs: running 1 "
                              "finished 2</p>"));
  EXPECT_THAT(page, HasSubstr("<td>2023-11-14 22:13:20 UTC</td>"));
}

TEST(WorkersJson, ListsTheWorkers) {
  const std::string json = WorkersJson(MakeSnapshot());
  EXPECT_THAT(json, HasSubstr("\"name\":\"w0\""));
  EXPECT_THAT(json, HasSubstr("\"name\":\"odd \\\"name\\\"\\\\ <b>\\nnext\""));
  EXPECT_THAT(json, HasSubstr("\"tasks\":{\"memory\":3,\"finished\":5,\"erred\":1}"));
}

TEST(DashboardAuth, WithoutATokenEveryoneMayLook) {
  const DashboardAuth auth("");
  EXPECT_TRUE(auth.Check("", "", "").allowed);
  EXPECT_TRUE(auth.Check("Bearer whatever", "", "").allowed);
}

TEST(DashboardAuth, ATokenIsNeededInAHeaderTheQueryOrTheCookieItSets) {
  const DashboardAuth auth("s3cret; x");
  DashboardAuth::Decision none = auth.Check("", "", "");
  EXPECT_FALSE(none.allowed);
  EXPECT_THAT(none.why, HasSubstr("?token="));
  EXPECT_TRUE(auth.Check("Bearer s3cret; x", "", "").allowed);
  EXPECT_FALSE(auth.Check("Bearer s3cret", "", "").allowed);
  EXPECT_FALSE(auth.Check("s3cret; x", "", "").allowed) << "the scheme is needed";
  EXPECT_FALSE(auth.Check("", "", "wrong").allowed);
  EXPECT_TRUE(auth.Check("", "", "wrong").set_cookie.empty());

  DashboardAuth::Decision query = auth.Check("", "", "s3cret; x");
  ASSERT_TRUE(query.allowed);
  ASSERT_THAT(query.set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(query.set_cookie, Not(HasSubstr("s3cret"))) << "the cookie holds a digest";
  const std::string cookie = query.set_cookie.substr(0, query.set_cookie.find(';'));
  EXPECT_TRUE(auth.Check("", "theme=dark; " + cookie, "").allowed);
  EXPECT_FALSE(auth.Check("", cookie + "0", "").allowed);
  EXPECT_FALSE(DashboardAuth("other").Check("", cookie, "").allowed)
      << "another token's cookie does not open it";
  EXPECT_FALSE(auth.Check("Bearer nope", cookie, "").allowed) << "a wrong header is not ignored";
}

}  // namespace
}  // namespace brisk
