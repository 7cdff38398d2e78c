// GoogleTest printers for the protocol's state enums: a failed EXPECT_EQ shows "finished", not 2.
// Found by argument-dependent lookup, so tests only include this header.
#pragma once

#include <ostream>

#include "brisk/v1/scheduler.pb.h"
#include "common/state_names.h"

namespace brisk::v1 {

inline void PrintTo(JobState state, std::ostream* os) { *os << ::brisk::StateName(state); }
inline void PrintTo(TaskState state, std::ostream* os) { *os << ::brisk::StateName(state); }
inline void PrintTo(WorkerState state, std::ostream* os) { *os << ::brisk::StateName(state); }
inline void PrintTo(ErrorKind kind, std::ostream* os) { *os << ErrorKind_Name(kind); }

}  // namespace brisk::v1
