// libFuzzer target: a graph file's text through ParseGraphJson, and a graph that parsed through
// validation. Seeds: corpus/graph_json/ (the example graphs).
#include <cstddef>
#include <cstdint>

#include "common/graph_json.h"
#include "tests/fuzz/fuzz_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto graph = brisk::ParseGraphJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (graph.ok()) brisk::fuzz::CheckGraph(*graph);
  return 0;
}
