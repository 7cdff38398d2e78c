#include "client/array_assemble.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace brisk {
namespace {

// The boundaries of an axis's blocks: 0, c0, c0 + c1, ...
std::vector<uint64_t> Boundaries(const std::vector<uint64_t>& chunks) {
  std::vector<uint64_t> b{0};
  for (uint64_t c : chunks) b.push_back(b.back() + c);
  return b;
}

// Along one axis: a source block's part of an output block.
struct AxisPart {
  uint64_t block, src_start, dst_start, extent;
};

std::string ChunksText(const Chunks& chunks) {
  std::vector<std::string> axes;
  for (const auto& axis : chunks) axes.push_back(absl::StrCat("(", absl::StrJoin(axis, ","), ")"));
  return absl::StrJoin(axes, ",");
}

}  // namespace

Array AssembleArray(std::string name, DType dtype, Shape shape, Chunks chunks,
                    const std::vector<AssembleSource>& sources) {
  const size_t nd = shape.size();
  // Each source's chunks and offset in output coordinates.
  std::vector<std::vector<std::vector<uint64_t>>> bounds(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    Chunks c = sources[s].array.chunks();
    if (sources[s].insert_axis >= 0) c.insert(c.begin() + sources[s].insert_axis, {1});
    for (size_t d = 0; d < nd; ++d) bounds[s].push_back(Boundaries(c[d]));
  }
  std::vector<std::vector<uint64_t>> out_bounds;
  for (size_t d = 0; d < nd; ++d) out_bounds.push_back(Boundaries(chunks[d]));
  std::vector<v1::Task> tasks;
  std::vector<std::shared_ptr<const ArrayLayer>> deps;
  for (const AssembleSource& s : sources) deps.push_back(s.array.data()->layer);
  const std::string dtype_name(DTypeName(dtype));
  for (const Shape& block : BlockIndices(chunks)) {
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.assemble");
    task.add_args()->set_str(dtype_name);
    *task.add_args() = IntListArg(BlockShape(chunks, block));
    v1::ArgList* pieces = task.add_args()->mutable_list();
    std::vector<std::string> refs;
    for (size_t s = 0; s < sources.size(); ++s) {
      // The parts of this source's blocks along each axis, then every combination.
      std::vector<std::vector<AxisPart>> parts(nd);
      bool empty = false;
      for (size_t d = 0; d < nd && !empty; ++d) {
        const uint64_t lo = out_bounds[d][block[d]], hi = out_bounds[d][block[d] + 1];
        const std::vector<uint64_t>& b = bounds[s][d];
        const uint64_t off = sources[s].offset[d];
        for (size_t i = 0; i + 1 < b.size(); ++i) {
          const uint64_t from = std::max(lo, off + b[i]), to = std::min(hi, off + b[i + 1]);
          if (from < to) parts[d].push_back({i, from - off - b[i], from - lo, to - from});
        }
        empty = parts[d].empty();
      }
      if (empty) continue;
      std::vector<size_t> pick(nd, 0);
      const Array& array = sources[s].array;
      while (true) {
        Shape src_block, view_shape, src_start, dst_start, extent;
        for (size_t d = 0; d < nd; ++d) {
          const AxisPart& p = parts[d][pick[d]];
          if (static_cast<int>(d) != sources[s].insert_axis) src_block.push_back(p.block);
          view_shape.push_back(bounds[s][d][p.block + 1] - bounds[s][d][p.block]);
          src_start.push_back(p.src_start);
          dst_start.push_back(p.dst_start);
          extent.push_back(p.extent);
        }
        v1::ArgList* piece = pieces->add_items()->mutable_list();
        for (const Shape* list : {&view_shape, &src_start, &dst_start, &extent}) {
          *piece->add_items() = IntListArg(*list);
        }
        refs.push_back(array.BlockKey(src_block));
        size_t d = nd;
        while (d-- > 0) {
          if (++pick[d] < parts[d].size()) break;
          pick[d] = 0;
        }
        if (d == static_cast<size_t>(-1)) break;
      }
    }
    for (const std::string& ref : refs) *task.add_args() = RefArg(ref);
    tasks.push_back(std::move(task));
  }
  return MakeArray(dtype, std::move(shape), std::move(chunks), std::move(name), std::move(tasks),
                   std::move(deps));
}

Array RechunkTo(const Array& array, const Chunks& chunks) {
  if (!array.ok() || array.chunks() == chunks) return array;
  const std::string name = ArrayName("rechunk", {array.name(), ChunksText(chunks)});
  return AssembleArray(name, array.dtype(), array.shape(), chunks,
                       {AssembleSource{array, Shape(array.ndim(), 0)}});
}

}  // namespace brisk
