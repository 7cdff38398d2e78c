#include "scheduler/metrics_text.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/state_names.h"

namespace brisk {
namespace {

// A sample's value: whole numbers as integers, others as the shortest text that reads back as the
// same double (fixed from 0.0001 on, as %g writes it: 0.0005, 1700000000.5, 1e-05).
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  char buffer[64];
  const double magnitude = std::fabs(v);
  const auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), v,
                    magnitude >= 1e-4 && magnitude < 1e15 ? std::chars_format::fixed
                                                          : std::chars_format::scientific);
  return std::string(buffer, result.ptr);
}

std::string Number(uint64_t v) { return absl::StrCat(v); }

// One `name{labels} value` line's label part, from (name, value) pairs; "" for none.
std::string Labels(std::initializer_list<std::pair<absl::string_view, absl::string_view>> labels) {
  if (labels.size() == 0) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    absl::StrAppend(&out, first ? "" : ",", name, "=\"", EscapeLabelValue(value), "\"");
    first = false;
  }
  out += "}";
  return out;
}

class Writer {
 public:
  // The HELP and TYPE lines of a metric family (help text has no backslash or line feed).
  void Family(absl::string_view name, absl::string_view type, absl::string_view help) {
    absl::StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  void Sample(absl::string_view name, const std::string& labels, const std::string& value) {
    absl::StrAppend(&out_, name, labels, " ", value, "\n");
  }
  // The _bucket, _sum and _count lines of one histogram; `label` is the one label beside `le`
  // (empty name: none).
  void HistogramSamples(absl::string_view name, absl::string_view label_name,
                        absl::string_view label_value, const Histogram& h) {
    const std::string prefix =
        label_name.empty() ? ""
                           : absl::StrCat(label_name, "=\"", EscapeLabelValue(label_value), "\",");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.counts().size(); ++i) {
      cumulative += h.counts()[i];
      const std::string le = i < h.bounds().size() ? Number(h.bounds()[i]) : "+Inf";
      absl::StrAppend(&out_, name, "_bucket{", prefix, "le=\"", le, "\"} ", cumulative, "\n");
    }
    const std::string labels =
        label_name.empty()
            ? ""
            : absl::StrCat("{", label_name, "=\"", EscapeLabelValue(label_value), "\"}");
    absl::StrAppend(&out_, name, "_sum", labels, " ", Number(h.sum()), "\n");
    absl::StrAppend(&out_, name, "_count", labels, " ", h.count(), "\n");
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every task state `brisk status` can report, so that each series exists from the start.
constexpr v1::TaskState kTaskStates[] = {
    v1::TASK_STATE_RELEASED,  v1::TASK_STATE_WAITING,    v1::TASK_STATE_QUEUED,
    v1::TASK_STATE_NO_WORKER, v1::TASK_STATE_PROCESSING, v1::TASK_STATE_MEMORY,
    v1::TASK_STATE_FINISHED,  v1::TASK_STATE_ERRED,      v1::TASK_STATE_CANCELLED};

}  // namespace

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MetricsText(const DashboardSnapshot& s) {
  Writer w;
  w.Family("brisk_tasks", "gauge",
           "Tasks the scheduler knows, by state (as brisk status counts them).");
  uint64_t by_state[v1::TaskState_ARRAYSIZE] = {};
  for (const v1::TaskStateCount& c : s.status.tasks()) by_state[c.state()] += c.count();
  for (const v1::TaskState state : kTaskStates) {
    w.Sample("brisk_tasks", Labels({{"state", StateName(state)}}), Number(by_state[state]));
  }

  w.Family("brisk_tasks_finished_total", "counter",
           "Task runs that ended with a value, by op, since the scheduler started.");
  for (const auto& [op, m] : s.ops) {
    w.Sample("brisk_tasks_finished_total", Labels({{"op", op}}), Number(m.finished));
  }
  w.Family("brisk_tasks_failed_total", "counter",
           "Tasks that went to erred (their own error or a dependency's), by op, since the "
           "scheduler started.");
  for (const auto& [op, m] : s.ops) {
    w.Sample("brisk_tasks_failed_total", Labels({{"op", op}}), Number(m.failed));
  }
  w.Family("brisk_task_duration_seconds", "histogram",
           "Seconds each finished task run took on its worker, by op.");
  for (const auto& [op, m] : s.ops) {
    w.HistogramSamples("brisk_task_duration_seconds", "op", op, m.duration);
  }

  w.Family("brisk_workers", "gauge", "Workers connected.");
  w.Sample("brisk_workers", "", Number(static_cast<uint64_t>(s.status.workers_size())));
  struct PerWorker {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const v1::WorkerInfo&);
  };
  static constexpr PerWorker kPerWorker[] = {
      {"brisk_worker_threads", "gauge", "Executor threads of the worker.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.nthreads()); }},
      {"brisk_worker_running_tasks", "gauge", "Tasks the worker is running now.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.running()); }},
      {"brisk_worker_processing_tasks", "gauge",
       "Tasks assigned to the worker and not yet done (running or ready there).",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.processing()); }},
      {"brisk_worker_memory_bytes", "gauge", "Bytes of the values the worker holds in memory.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.memory()); }},
      {"brisk_worker_resident_bytes", "gauge", "Resident memory of the worker process.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.resident()); }},
      {"brisk_worker_memory_limit_bytes", "gauge", "The worker's memory limit (0: none).",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.memory_limit()); }},
      {"brisk_worker_spilled_bytes", "gauge", "Bytes of the worker's spill files on disk now.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.spilled()); }},
      {"brisk_worker_spilled_written_bytes_total", "counter",
       "Bytes the worker wrote to spill files since it started.",
       [](const v1::WorkerInfo& i) { return static_cast<double>(i.spilled_total()); }},
      {"brisk_worker_paused", "gauge",
       "1 while the worker is above its memory pause threshold and starts no tasks.",
       [](const v1::WorkerInfo& i) { return i.paused() ? 1.0 : 0.0; }},
      {"brisk_worker_joined_timestamp_seconds", "gauge",
       "When the worker registered, in Unix seconds.",
       [](const v1::WorkerInfo& i) { return i.joined(); }},
  };
  for (const PerWorker& metric : kPerWorker) {
    w.Family(metric.name, metric.type, metric.help);
    for (const v1::WorkerInfo& info : s.status.workers()) {
      w.Sample(metric.name, Labels({{"worker", info.name()}}), Number(metric.value(info)));
    }
  }

  w.Family("brisk_jobs", "gauge", "Job records the scheduler keeps, by state.");
  for (const auto& [state, n] : s.jobs) {
    w.Sample("brisk_jobs", Labels({{"state", StateName(state)}}), Number(n));
  }

  w.Family("brisk_event_loop_latency_seconds", "histogram",
           "Seconds a message or query waited before the scheduler's event loop handled it.");
  w.HistogramSamples("brisk_event_loop_latency_seconds", "", "", s.loop_latency);
  return w.Take();
}

}  // namespace brisk
