#include "client/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>

namespace brisk {

Progress::Progress(size_t total) : total_(total), tty_(isatty(2)) {}

void Progress::Update(size_t done, size_t failed) {
  if (tty_) {
    const int width = 30;
    const int filled =
        total_ == 0 ? width : static_cast<int>(width * std::min(done, total_) / total_);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
              << done << "/" << total_ << " done, " << failed << " failed" << std::flush;
    if (done >= total_) std::cerr << "\n";
  } else if (done >= total_ || done * 10 / std::max<size_t>(total_, 1) > last_tenth_) {
    last_tenth_ = done * 10 / std::max<size_t>(total_, 1);
    std::cerr << "progress: " << done << "/" << total_ << " done, " << failed << " failed\n";
  }
}

}  // namespace brisk
