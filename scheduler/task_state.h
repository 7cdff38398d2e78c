// A task's state in the scheduler and the table of transitions allowed between states.
//
//                 ┌────────────── lost / needed again ──────────────┐
//                 v                                                 │
//   released ──> waiting ──> queued / no-worker ──> processing ──> memory ──> released
//      ^  │         ^  │         │                     │  │                  (value freed)
//      │  │         │  └─────────┴─ input lost ────────┘  │
//      │  │         └──── worker lost, retry, stolen ─────┘
//      │  └──> forgotten (the record is dropped)
//   erred, cancelled ──> waiting (submitted again) | forgotten
//   released (needed), waiting, queued, no-worker ──> memory: a worker that registers again
//      holds the value (RegisterWorker.held)
//
// `released` is both "never computed yet" and "computed once, value since freed"; queries report
// the second as brisk.v1.TASK_STATE_FINISHED ("finished" in the README).
#pragma once

#include <cstdint>

#include "brisk/v1/scheduler.pb.h"

namespace brisk {

enum class TaskState : uint8_t {
  kReleased,    // no value held and nothing running
  kWaiting,     // needed; some inputs are not in memory yet
  kQueued,      // inputs in memory; waiting at the scheduler for a worker with room
  kNoWorker,    // inputs in memory; no connected worker can run it
  kProcessing,  // sent to a worker (or sent ahead of its last input: speculative)
  kMemory,      // the value is held by at least one worker
  kErred,       // failed, or a dependency failed
  kCancelled,   // its job was cancelled before it finished
  kForgotten,   // not a state a record is in: the target of dropping the record
};
inline constexpr int kTaskStateCount = static_cast<int>(TaskState::kForgotten) + 1;

// The state as the protocol names it (UNSPECIFIED for kForgotten, never a record's state).
v1::TaskState WireTaskState(TaskState state);
// Its name: the protocol state's (common/state_names.h), or "forgotten".
const char* TaskStateName(TaskState state);

// Waiting, queued, no-worker or processing: the task is being computed.
inline bool IsActive(TaskState s) {
  return s == TaskState::kWaiting || s == TaskState::kQueued || s == TaskState::kNoWorker ||
         s == TaskState::kProcessing;
}

// The allowed (from, to) pairs. SchedulerState::SetState refuses any other.
constexpr bool TransitionAllowed(TaskState from, TaskState to) {
  using S = TaskState;
  switch (from) {
    // -> memory from released, waiting, queued and no-worker (and processing, on another
    // worker): a re-registering worker holds the value (SchedulerState::HeldToMemory).
    case S::kReleased:
      return to == S::kWaiting || to == S::kMemory || to == S::kForgotten;
    case S::kWaiting:
      return to == S::kQueued || to == S::kNoWorker || to == S::kProcessing || to == S::kMemory ||
             to == S::kErred || to == S::kCancelled;
    case S::kQueued:
    case S::kNoWorker:
      return to == S::kWaiting || to == S::kProcessing || to == S::kMemory || to == S::kErred ||
             to == S::kCancelled;
    case S::kProcessing:
      return to == S::kMemory || to == S::kWaiting || to == S::kErred || to == S::kCancelled;
    case S::kMemory:
      return to == S::kReleased;
    case S::kErred:
    case S::kCancelled:
      return to == S::kWaiting || to == S::kForgotten;
    case S::kForgotten:
      return false;
  }
  return false;
}

}  // namespace brisk
