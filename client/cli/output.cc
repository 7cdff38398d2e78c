#include "client/cli/output.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/state_names.h"
#include "common/value_json.h"
#include "common/value_text.h"

namespace brisk {
namespace {

using google::protobuf::Struct;
using JsonValue = google::protobuf::Value;

JsonValue Number(double n) {
  JsonValue v;
  v.set_number_value(n);
  return v;
}

JsonValue String(const std::string& s) {
  JsonValue v;
  v.set_string_value(s);
  return v;
}

JsonValue Bool(bool b) {
  JsonValue v;
  v.set_bool_value(b);
  return v;
}

// {"memory": 3, ...}: counts by state name.
JsonValue CountsJson(const google::protobuf::RepeatedPtrField<v1::TaskStateCount>& counts) {
  JsonValue v;
  auto& fields = *v.mutable_struct_value()->mutable_fields();
  for (const v1::TaskStateCount& c : counts) {
    fields[StateName(c.state())] = Number(static_cast<double>(c.count()));
  }
  return v;
}

// " memory=3 finished=2": counts by state name, each after a space.
std::string CountsText(const google::protobuf::RepeatedPtrField<v1::TaskStateCount>& counts) {
  std::string text;
  for (const v1::TaskStateCount& c : counts) {
    absl::StrAppendFormat(&text, " %s=%d", StateName(c.state()), c.count());
  }
  return text;
}

void Print(const JsonValue& v) { std::cout << JsonText(v) << "\n"; }

// Bytes for people: "512 B", "1.5 KiB", "20.0 MiB", "3.9 GiB" (powers of 1024).
std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

// "GPU=1,MEM=4e+09", by name; "-" for none.
std::string ResourcesText(const google::protobuf::Map<std::string, double>& resources) {
  std::map<std::string, double> sorted(resources.begin(), resources.end());
  std::vector<std::string> parts;
  for (const auto& [name, amount] : sorted) parts.push_back(absl::StrCat(name, "=", amount));
  return parts.empty() ? "-" : absl::StrJoin(parts, ",");
}

std::string Time(double unix_seconds) {
  if (unix_seconds <= 0) return "-";
  return absl::FormatTime("%H:%M:%E3S",
                          absl::FromUnixMicros(static_cast<int64_t>(unix_seconds * 1e6)),
                          absl::LocalTimeZone());
}

JsonValue JobJson(const v1::JobInfo& j) {
  JsonValue jv;
  auto& jf = *jv.mutable_struct_value()->mutable_fields();
  jf["job"] = Number(static_cast<double>(j.id()));
  jf["name"] = String(j.name());
  jf["state"] = String(StateName(j.state()));
  jf["ntasks"] = Number(static_cast<double>(j.ntasks()));
  jf["submitted"] = Number(j.submitted());
  jf["ended"] = Number(j.ended());
  jf["tasks"] = CountsJson(j.task_states());
  auto* outputs = jf["outputs"].mutable_list_value();
  for (const std::string& key : j.outputs()) *outputs->add_values() = String(key);
  return jv;
}

class JsonOutput : public Output {
 public:
  void Run(const RunReport& r) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["job"] = Number(static_cast<double>(r.job));
    f["key"] = String(r.key);
    f["exit_status"] = Number(r.exit_status);
    f["stdout"] = String(r.stdout_text);
    f["stderr"] = String(r.stderr_text);
    if (!r.error.empty()) f["error"] = String(r.error);
    Print(out);
  }

  void Map(const MapReport& r) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["job"] = Number(static_cast<double>(r.job));
    f["items"] = Number(static_cast<double>(r.items));
    auto* failed = f["failed"].mutable_list_value();
    for (const auto& x : r.failed) {
      JsonValue fv;
      auto& ff = *fv.mutable_struct_value()->mutable_fields();
      ff["index"] = Number(static_cast<double>(x.index));
      ff["item"] = String(x.item);
      ff["error"] = String(x.error);
      *failed->add_values() = fv;
    }
    if (r.output_dir.empty()) {
      auto* outputs = f["outputs"].mutable_list_value();
      for (const std::string& o : r.outputs) *outputs->add_values() = String(o);
    } else {
      f["output_dir"] = String(r.output_dir);
    }
    Print(out);
  }

  void Log(const v1::TaskLog& log) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["key"] = String(log.key());
    f["state"] = String(StateName(log.state()));
    f["worker"] = String(log.worker());
    f["log"] = String(log.log());
    f["error"] = String(log.error());
    f["crashes"] = Number(log.crashes());
    auto* causes = f["crash_causes"].mutable_list_value();
    for (const std::string& cause : log.crash_causes()) *causes->add_values() = String(cause);
    Print(out);
  }

  void JobInfo(const v1::JobInfo& job) override { Print(JobJson(job)); }

  void Job(const JobReport& r) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["job"] = Number(static_cast<double>(r.job));
    f["state"] = String(StateName(r.state));
    auto& results = *f["results"].mutable_struct_value()->mutable_fields();
    for (const auto& [key, value] : r.results) results[key] = ValueToJson(*value);
    if (!r.errors.empty()) {
      auto& errors = *f["errors"].mutable_struct_value()->mutable_fields();
      for (const auto& [key, message] : r.errors) errors[key] = String(message);
    }
    if (r.ntasks > 0) f["tasks"] = Number(static_cast<double>(r.ntasks));
    if (r.seconds > 0) f["seconds"] = Number(r.seconds);
    Print(out);
  }

  void Submitted(JobId job) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["job"] = Number(static_cast<double>(job));
    f["state"] = String(StateName(v1::JOB_STATE_RUNNING));
    Print(out);
  }

  void Status(const v1::StatusReply& s) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    auto* workers = f["workers"].mutable_list_value();
    for (const v1::WorkerInfo& w : s.workers()) {
      JsonValue wv;
      auto& wf = *wv.mutable_struct_value()->mutable_fields();
      wf["name"] = String(w.name());
      wf["address"] = String(w.address());
      wf["nthreads"] = Number(w.nthreads());
      wf["memory"] = Number(static_cast<double>(w.memory()));
      wf["memory_limit"] = Number(static_cast<double>(w.memory_limit()));
      wf["managed"] = Number(static_cast<double>(w.managed()));
      wf["spilled"] = Number(static_cast<double>(w.spilled()));
      wf["spilled_total"] = Number(static_cast<double>(w.spilled_total()));
      wf["resident"] = Number(static_cast<double>(w.resident()));
      wf["paused"] = Bool(w.paused());
      wf["state"] = String(StateName(w.state()));
      wf["running"] = Number(w.running());
      wf["processing"] = Number(w.processing());
      wf["joined"] = Number(w.joined());
      auto& res = *wf["resources"].mutable_struct_value()->mutable_fields();
      for (const auto& [name, amount] : w.resources()) res[name] = Number(amount);
      *workers->add_values() = wv;
    }
    f["tasks"] = CountsJson(s.tasks());
    f["jobs"] = Number(static_cast<double>(s.jobs()));
    if (!s.dashboard().empty()) f["dashboard"] = String(s.dashboard());
    Print(out);
  }

  void Tasks(const v1::JobInfo& job) override {
    JsonValue out;
    auto* list = out.mutable_list_value();
    for (const v1::TaskInfo& t : job.tasks()) {
      JsonValue tv;
      auto& tf = *tv.mutable_struct_value()->mutable_fields();
      tf["key"] = String(t.key());
      tf["state"] = String(StateName(t.state()));
      tf["worker"] = String(t.worker());
      tf["start"] = Number(t.start());
      tf["end"] = Number(t.end());
      if (!t.error().empty()) tf["error"] = String(t.error());
      if (t.crashes() > 0) {
        tf["crashes"] = Number(t.crashes());
        auto* causes = tf["crash_causes"].mutable_list_value();
        for (const std::string& cause : t.crash_causes()) *causes->add_values() = String(cause);
      }
      *list->add_values() = tv;
    }
    Print(out);
  }

  void Jobs(const v1::ListJobsReply& jobs) override {
    JsonValue out;
    auto* list = out.mutable_list_value();
    for (const v1::JobInfo& j : jobs.jobs()) *list->add_values() = JobJson(j);
    Print(out);
  }

  void Values(const std::vector<std::pair<std::string, ValuePtr>>& values) override {
    JsonValue out;
    auto& results = *(*out.mutable_struct_value()->mutable_fields())["results"]
                         .mutable_struct_value()
                         ->mutable_fields();
    for (const auto& [key, value] : values) results[key] = ValueToJson(*value);
    Print(out);
  }

  void NpyWritten(const std::string& key, const std::string& path) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["key"] = String(key);
    f["npy"] = String(path);
    Print(out);
  }

  void JobState(JobId job, v1::JobState state) override {
    JsonValue out;
    auto& f = *out.mutable_struct_value()->mutable_fields();
    f["job"] = Number(static_cast<double>(job));
    f["state"] = String(StateName(state));
    Print(out);
  }

  void Done(const std::string& what) override {
    JsonValue out;
    (*out.mutable_struct_value()->mutable_fields())[what] = JsonValue();
    (*out.mutable_struct_value()->mutable_fields())[what].set_bool_value(true);
    Print(out);
  }

  void Retired(const std::vector<std::string>& workers) override {
    JsonValue out;
    auto* list = (*out.mutable_struct_value()->mutable_fields())["retired"].mutable_list_value();
    for (const std::string& w : workers) *list->add_values() = String(w);
    Print(out);
  }
};

class TextOutput : public Output {
 public:
  void Run(const RunReport& r) override {
    std::cout << r.stdout_text << std::flush;
    std::cerr << r.stderr_text;
    if (!r.error.empty()) std::cerr << "brisk run: " << r.error << "\n";
  }

  void Map(const MapReport& r) override {
    for (const std::string& o : r.outputs) std::cout << o;
    std::cout.flush();
    for (const auto& x : r.failed) {
      std::cerr << "failed: item " << x.item << " (index " << x.index << "): " << x.error << "\n";
    }
    std::cerr << "job " << r.job << ": " << r.items - r.failed.size() << " of " << r.items
              << " items succeeded";
    if (!r.output_dir.empty()) std::cerr << ", outputs in " << r.output_dir << "/INDEX.out";
    std::cerr << "\n";
  }

  void Log(const v1::TaskLog& log) override {
    std::cout << log.log() << std::flush;
    if (!log.error().empty()) std::cerr << "error: " << log.error() << "\n";
    if (log.crashes() > 0) {
      std::cerr << "crashes: " << log.crashes() << " (" << absl::StrJoin(log.crash_causes(), ", ")
                << ")\n";
    }
    std::cerr << "task \"" << log.key() << "\" " << StateName(log.state())
              << (log.worker().empty() ? "" : " on " + log.worker()) << "\n";
  }

  void JobInfo(const v1::JobInfo& j) override {
    std::cout << "job " << j.id() << (j.name().empty() ? "" : " (" + j.name() + ")") << " "
              << StateName(j.state()) << ": " << j.ntasks() << " tasks"
              << CountsText(j.task_states());
    std::cout << "\nsubmitted " << Time(j.submitted()) << ", ended " << Time(j.ended()) << "\n";
  }

  void Job(const JobReport& r) override {
    for (const auto& [key, value] : r.results)
      std::cout << key << ": " << ValueText(*value) << "\n";
    std::cout.flush();
    for (const auto& [key, message] : r.errors) {
      std::cerr << "error: task \"" << key << "\": " << message << "\n";
    }
    std::cerr << "job " << r.job << " " << StateName(r.state);
    if (r.ntasks > 0 && r.seconds > 0) {
      std::cerr << absl::StrFormat(": %d tasks in %.3f s (%.0f tasks/s)", r.ntasks, r.seconds,
                                   r.ntasks / r.seconds);
    }
    std::cerr << "\n";
  }

  void Submitted(JobId job) override { std::cout << job << "\n"; }

  void Status(const v1::StatusReply& s) override {
    constexpr char kRow[] = "%-20s %-22s %-9s %7s %7s %10s %10s %10s %10s %10s  %s\n";
    std::cout << absl::StrFormat(kRow, "WORKER", "ADDRESS", "STATE", "THREADS", "RUNNING",
                                 "PROCESSING", "MEMORY", "RESIDENT", "SPILLED", "LIMIT",
                                 "RESOURCES");
    for (const v1::WorkerInfo& w : s.workers()) {
      std::cout << absl::StrFormat(
          kRow, w.name(), w.address(), StateName(w.state()), absl::StrCat(w.nthreads()),
          absl::StrCat(w.running()), absl::StrCat(w.processing()), HumanBytes(w.memory()),
          HumanBytes(w.resident()), HumanBytes(w.spilled()),
          w.memory_limit() == 0 ? std::string("none") : HumanBytes(w.memory_limit()),
          ResourcesText(w.resources()));
    }
    std::cout << "tasks:";
    if (s.tasks().empty()) std::cout << " none";
    std::cout << CountsText(s.tasks());
    std::cout << "\njobs: " << s.jobs() << "\n";
    if (!s.dashboard().empty()) std::cout << "dashboard: " << s.dashboard() << "\n";
  }

  void Tasks(const v1::JobInfo& job) override {
    std::cout << absl::StrFormat("%-24s %-11s %-16s %-12s %-12s %s\n", "KEY", "STATE", "WORKER",
                                 "START", "END", "ERROR");
    for (const v1::TaskInfo& t : job.tasks()) {
      std::string error = t.error();
      if (t.crashes() > 0 && error.empty()) {
        // Not failed (yet): the crashes it survived, where the error would be.
        error = absl::StrCat("crashed ", t.crashes(), t.crashes() == 1 ? " time: " : " times: ",
                             absl::StrJoin(t.crash_causes(), ", "));
      }
      std::cout << absl::StrFormat("%-24s %-11s %-16s %-12s %-12s %s\n", t.key(),
                                   StateName(t.state()), t.worker().empty() ? "-" : t.worker(),
                                   Time(t.start()), Time(t.end()), error);
    }
  }

  void Jobs(const v1::ListJobsReply& jobs) override {
    std::cout << absl::StrFormat("%-6s %-20s %-10s %8s  %s\n", "JOB", "NAME", "STATE", "TASKS",
                                 "BY STATE");
    for (const v1::JobInfo& j : jobs.jobs()) {
      std::string counts = CountsText(j.task_states());
      if (!counts.empty()) counts.erase(0, 1);  // the leading space
      std::cout << absl::StrFormat("%-6d %-20s %-10s %8d  %s\n", j.id(),
                                   j.name().empty() ? "-" : j.name(), StateName(j.state()),
                                   j.ntasks(), counts);
    }
  }

  void Values(const std::vector<std::pair<std::string, ValuePtr>>& values) override {
    for (const auto& [key, value] : values) std::cout << key << ": " << ValueText(*value) << "\n";
  }

  void NpyWritten(const std::string& key, const std::string& path) override {
    std::cout << key << ": written to " << path << "\n";
  }

  void JobState(JobId job, v1::JobState state) override {
    std::cout << "job " << job << " " << StateName(state) << "\n";
  }

  void Done(const std::string& what) override { std::cout << what << "\n"; }

  void Retired(const std::vector<std::string>& workers) override {
    for (const std::string& w : workers) std::cout << "retired " << w << "\n";
  }
};

}  // namespace

std::unique_ptr<Output> MakeOutput(const std::string& format) {
  if (format == "json") return std::make_unique<JsonOutput>();
  if (format == "text") return std::make_unique<TextOutput>();
  return nullptr;
}

}  // namespace brisk
