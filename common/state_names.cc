#include "common/state_names.h"

namespace brisk {

const char* StateName(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_RUNNING:
      return "running";
    case v1::JOB_STATE_FINISHED:
      return "finished";
    case v1::JOB_STATE_ERRED:
      return "erred";
    case v1::JOB_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

const char* StateName(v1::TaskState state) {
  switch (state) {
    case v1::TASK_STATE_RELEASED:
      return "released";
    case v1::TASK_STATE_WAITING:
      return "waiting";
    case v1::TASK_STATE_QUEUED:
      return "queued";
    case v1::TASK_STATE_NO_WORKER:
      return "no-worker";
    case v1::TASK_STATE_PROCESSING:
      return "processing";
    case v1::TASK_STATE_MEMORY:
      return "memory";
    case v1::TASK_STATE_FINISHED:
      return "finished";
    case v1::TASK_STATE_ERRED:
      return "erred";
    case v1::TASK_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

const char* StateName(v1::WorkerState state) {
  switch (state) {
    case v1::WORKER_STATE_RUNNING:
      return "running";
    case v1::WORKER_STATE_PAUSED:
      return "paused";
    case v1::WORKER_STATE_RETIRING:
      return "retiring";
    default:
      return "unknown";
  }
}

}  // namespace brisk
