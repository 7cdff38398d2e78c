// libFuzzer target: ValidateGraph (and DefaultOutputs, Dependencies) on any brisk.v1.Graph, read
// from the input as the protobuf encoding a client sends. Seeds: corpus/graph_validate/ (the
// example graphs, encoded).
#include <cstddef>
#include <cstdint>

#include "brisk/v1/graph.pb.h"
#include "tests/fuzz/fuzz_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brisk::v1::Graph graph;
  if (graph.ParseFromArray(data, static_cast<int>(size))) brisk::fuzz::CheckGraph(graph);
  return 0;
}
