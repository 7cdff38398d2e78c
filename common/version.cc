#include "common/version.h"

namespace brisk {

const char* BriskVersion() { return BRISK_VERSION; }

}  // namespace brisk
