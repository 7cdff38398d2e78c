// The names people and scripts see for the protocol's states (brisk.v1.JobState, TaskState,
// WorkerState): the README's lowercase words ("no-worker", "finished", ...). The CLI prints these
// in text and JSON; nothing parses them back. Never null.
#pragma once

#include "brisk/v1/scheduler.pb.h"

namespace brisk {

// "running", "finished", "erred", "cancelled"; "unknown" for UNSPECIFIED.
const char* StateName(v1::JobState state);
// "released", "waiting", "queued", "no-worker", "processing", "memory", "finished", "erred",
// "cancelled"; "unknown" for UNSPECIFIED (a key the scheduler does not know).
const char* StateName(v1::TaskState state);
// "running"; "unknown" for UNSPECIFIED.
const char* StateName(v1::WorkerState state);

}  // namespace brisk
