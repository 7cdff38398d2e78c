// The processes that hold an end of given pipes, found through /proc: how the worker finds what
// a shell task started that left the task's process group (a `setsid` child, a double-forked
// daemon) but still writes to the task's output, so that it is killed with the task.
#pragma once

#include <sys/types.h>

#include <vector>

namespace brisk {

// The pipe inode of `fd` (0 when fd is not a pipe).
ino_t PipeInode(int fd);

// The processes other than this one with a descriptor open on one of the pipes `inodes`.
std::vector<pid_t> PipeHolders(const std::vector<ino_t>& inodes);

}  // namespace brisk
