// A plugin built for another op API version than this tree's: a worker must refuse to load it.
#include "brisk/op.h"

extern "C" __attribute__((visibility("default"))) int brisk_plugin_api_version() {
  return brisk::kOpApiVersion + 1;
}
extern "C" __attribute__((visibility("default"))) int brisk_plugin_protobuf_version() {
  return GOOGLE_PROTOBUF_VERSION;
}
extern "C" __attribute__((visibility("default"))) void brisk_plugin_register(brisk::OpRegistry* r) {
  r->Register("never",
              [](brisk::OpContext&, const brisk::OpArgs&) -> absl::StatusOr<brisk::v1::Value> {
                return brisk::v1::Value();
              });
}
