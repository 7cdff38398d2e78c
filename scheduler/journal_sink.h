// JournalSink: where SchedulerState records what a restarted scheduler must know (submitted jobs,
// finished and failed tasks, job states, published names). The state calls Record() while it
// applies events and Commit() at the end of each Flush(); the Journal (journal.h) writes each
// batch to its file with one write(). Unit tests record what was sent.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "brisk/v1/journal.pb.h"

namespace brisk {

class JournalSink {
 public:
  virtual ~JournalSink() = default;
  // Adds a record to the current batch.
  virtual void Record(const v1::JournalRecord& record) = 0;
  // The batch is complete: it goes to the file (not necessarily to the disk yet).
  virtual void Commit() = 0;
  // Whether the log has grown enough that a snapshot of the live state should replace it.
  virtual bool WantsCompaction() const = 0;
  // Replaces the log with `snapshot`, records that rebuild the live state when replayed.
  virtual absl::Status Rewrite(const std::vector<v1::JournalRecord>& snapshot) = 0;
};

}  // namespace brisk
