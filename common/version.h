// The project's version (CMake's project(brisk VERSION ...)), printed by --version.
#pragma once

namespace brisk {

// "0.1.0".
const char* BriskVersion();

}  // namespace brisk
