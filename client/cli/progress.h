// Progress of a job on standard error: a bar redrawn in place on a terminal, a plain line per
// tenth of the work otherwise (so logs of scripted runs stay readable).
#pragma once

#include <cstddef>

namespace brisk {

class Progress {
 public:
  explicit Progress(size_t total);
  void Update(size_t done, size_t failed);

 private:
  size_t total_;
  bool tty_;
  size_t last_tenth_ = 0;
};

}  // namespace brisk
