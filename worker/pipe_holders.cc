#include "worker/pipe_holders.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace brisk {

ino_t PipeInode(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return 0;
  return st.st_ino;
}

std::vector<pid_t> PipeHolders(const std::vector<ino_t>& inodes) {
  std::vector<pid_t> holders;
  std::vector<std::string> targets;
  for (ino_t inode : inodes) {
    if (inode != 0) targets.push_back(absl::StrCat("pipe:[", inode, "]"));
  }
  if (targets.empty()) return holders;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return holders;
  const pid_t self = getpid();
  char link[64];
  while (dirent* entry = readdir(proc)) {
    pid_t pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == self) continue;
    const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
    DIR* fds = opendir(fd_dir.c_str());
    if (fds == nullptr) continue;  // gone, or not ours to look at
    bool holds = false;
    while (!holds) {
      dirent* fd = readdir(fds);
      if (fd == nullptr) break;
      if (fd->d_name[0] == '.') continue;
      const std::string path = absl::StrCat(fd_dir, "/", fd->d_name);
      const ssize_t n = readlink(path.c_str(), link, sizeof(link) - 1);
      if (n <= 0) continue;
      const std::string_view target(link, static_cast<size_t>(n));
      holds = std::find(targets.begin(), targets.end(), target) != targets.end();
    }
    closedir(fds);
    if (holds) holders.push_back(pid);
  }
  closedir(proc);
  return holders;
}

}  // namespace brisk
