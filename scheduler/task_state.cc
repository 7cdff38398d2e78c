#include "scheduler/task_state.h"

#include "common/state_names.h"

namespace brisk {

v1::TaskState WireTaskState(TaskState state) {
  switch (state) {
    case TaskState::kReleased:
      return v1::TASK_STATE_RELEASED;
    case TaskState::kWaiting:
      return v1::TASK_STATE_WAITING;
    case TaskState::kQueued:
      return v1::TASK_STATE_QUEUED;
    case TaskState::kNoWorker:
      return v1::TASK_STATE_NO_WORKER;
    case TaskState::kProcessing:
      return v1::TASK_STATE_PROCESSING;
    case TaskState::kMemory:
      return v1::TASK_STATE_MEMORY;
    case TaskState::kErred:
      return v1::TASK_STATE_ERRED;
    case TaskState::kCancelled:
      return v1::TASK_STATE_CANCELLED;
    case TaskState::kForgotten:
      break;
  }
  return v1::TASK_STATE_UNSPECIFIED;
}

const char* TaskStateName(TaskState state) {
  return state == TaskState::kForgotten ? "forgotten" : StateName(WireTaskState(state));
}

}  // namespace brisk
