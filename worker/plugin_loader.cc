#include "worker/plugin_loader.h"

#include <dlfcn.h>

#include <exception>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/common.h"

namespace brisk {

absl::Status LoadPlugin(const std::string& path, OpRegistry& registry) {
  auto fail = [&](const auto&... parts) {
    return absl::FailedPreconditionError(absl::StrCat("plugin ", path, ": ", parts...));
  };
  // RTLD_NOW: a missing symbol shows here, not in the middle of a task. RTLD_LOCAL: plugins do not
  // see each other's symbols. A path without a slash would be searched for; make it explicit.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return fail("cannot load it: ", why != nullptr ? why : "unknown error");
  }
  using VersionFn = int (*)();
  using RegisterFn = void (*)(OpRegistry*);
  auto api_version = reinterpret_cast<VersionFn>(dlsym(handle, "brisk_plugin_api_version"));
  auto protobuf_version =
      reinterpret_cast<VersionFn>(dlsym(handle, "brisk_plugin_protobuf_version"));
  auto register_ops = reinterpret_cast<RegisterFn>(dlsym(handle, "brisk_plugin_register"));
  if (api_version == nullptr || protobuf_version == nullptr || register_ops == nullptr) {
    dlclose(handle);
    return fail("not a Brisk plugin (it has no BRISK_PLUGIN entry points)");
  }
  if (const int built_for = api_version(); built_for != kOpApiVersion) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("plugin ", path,
                                                      " was built for op API version ", built_for,
                                                      "; this worker has ", kOpApiVersion));
  }
  if (const int built_with = protobuf_version(); built_with != GOOGLE_PROTOBUF_VERSION) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("plugin ", path, " was built with protobuf ",
                                                      built_with, "; this worker has ",
                                                      GOOGLE_PROTOBUF_VERSION));
  }
  OpRegistry ops;
  try {
    register_ops(&ops);
  } catch (const std::exception& e) {
    return fail("registering its ops threw: ", e.what());
  } catch (...) {
    return fail("registering its ops threw an exception");
  }
  if (ops.Names().empty()) return fail("it registers no ops");
  if (absl::Status added = registry.Add(ops); !added.ok()) {
    return fail(added.message(), " (by a built-in or another plugin)");
  }
  return absl::OkStatus();
}

}  // namespace brisk
