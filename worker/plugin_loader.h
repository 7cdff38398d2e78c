// Loads plugins: shared libraries that register ops (BRISK_PLUGIN in brisk/op.h). A plugin states
// the op API and protobuf versions it was built with; one built for others is refused. Loaded
// libraries stay loaded until the process exits (their ops' code must outlive every call).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "brisk/op.h"

namespace brisk {

// Loads the plugin at `path` and adds its ops to `registry`. Every error names the path: a file
// that cannot be loaded (the loader's own message), a library that is not a Brisk plugin, one
// built for another op API or protobuf version, one whose registration threw, or an op that
// `registry` already has.
absl::Status LoadPlugin(const std::string& path, OpRegistry& registry);

}  // namespace brisk
