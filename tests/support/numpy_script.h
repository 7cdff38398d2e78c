// Runs a Python script with Debian's /usr/bin/python3 and NumPy, to compute the expected values
// of a test from the same inputs (written and read back as .npy files): NumPy is the reference.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace brisk::testing {

// Writes `prelude` then `code` to DIR/script.py and runs it in DIR with /usr/bin/python3;
// returns the error output on failure, empty on success.
inline std::string RunPython(const std::string& dir, const std::string& prelude,
                             const std::string& code) {
  const std::string script = dir + "/script.py";
  {
    std::ofstream out(script);
    out << "import os\nos.chdir(" << '"' << dir << '"' << ")\n" << prelude << code;
  }
  const std::string log = dir + "/script.log";
  const int rc =
      std::system(absl::StrCat("/usr/bin/python3 ", script, " > ", log, " 2>&1").c_str());
  if (rc == 0) return "";
  std::ifstream in(log);
  return absl::StrCat("python3 exited with ", rc, ": ",
                      std::string(std::istreambuf_iterator<char>(in), {}));
}

// RunPython with `import numpy as np` prepended.
inline std::string RunNumpy(const std::string& dir, const std::string& code) {
  return RunPython(dir, "import numpy as np\n", code);
}

}  // namespace brisk::testing
