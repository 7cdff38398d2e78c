#include "client/array_expr.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "client/array_data.h"

namespace brisk {
namespace {

v1::Arg Literal(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kInt) return IntArg(v.int_());
  if (v.kind_case() == v1::Value::kBool) return BoolArg(v.bool_());
  return FloatArg(v.float_());
}

struct Builder {
  const Shape& shape;
  const Shape& offset;
  const Shape& bshape;
  std::vector<std::string>* refs;
  v1::ArgList* program;
  absl::flat_hash_map<const ArrayExpr*, int> done;
  absl::flat_hash_map<std::string, int> ref_index;

  // The region of a leaf of `lshape` that the block reads (start, len per leaf axis).
  void Region(const Shape& lshape, Shape* start, Shape* len) const {
    const size_t off = shape.size() - lshape.size();
    for (size_t d = 0; d < lshape.size(); ++d) {
      const size_t o = d + off;
      if (lshape[d] == 1 && shape[o] != 1) {
        start->push_back(0);
        len->push_back(1);
      } else {
        start->push_back(offset[o]);
        len->push_back(bshape[o]);
      }
    }
  }

  int Emit(v1::ArgList instr) {
    *program->add_items()->mutable_list() = std::move(instr);
    return program->items_size() - 1;
  }

  int Add(const ExprPtr& e) {
    if (auto it = done.find(e.get()); it != done.end()) return it->second;
    v1::ArgList in;
    switch (e->leaf) {
      case ArrayExpr::Leaf::kNone: {
        std::vector<int> regs;
        for (const ExprPtr& a : e->args) regs.push_back(Add(a));
        *in.add_items() = StrArg(e->op);
        for (int r : regs) *in.add_items() = IntArg(r);
        if (e->op == "cast") *in.add_items() = StrArg(DTypeName(e->dtype));
        break;
      }
      case ArrayExpr::Leaf::kConst:
        *in.add_items() = StrArg("const");
        *in.add_items() = Literal(e->value);
        *in.add_items() = StrArg(DTypeName(e->dtype));
        break;
      case ArrayExpr::Leaf::kInput: {
        Shape start, len;
        Region(e->shape, &start, &len);
        const ArrayData& src = *e->input;
        Shape block(start.size()), sub(start.size());
        for (size_t d = 0; d < start.size(); ++d) {
          uint64_t at = 0, i = 0;
          const auto& sizes = src.chunks[d];
          while (i + 1 < sizes.size() && at + sizes[i] <= start[d]) at += sizes[i++];
          block[d] = i;
          sub[d] = start[d] - at;
        }
        const std::string key = BlockKeyOf(src.name, block);
        auto [it, added] = ref_index.emplace(key, static_cast<int>(refs->size()));
        if (added) refs->push_back(key);
        *in.add_items() = StrArg("input");
        *in.add_items() = IntArg(it->second);
        *in.add_items() = IntListArg(sub);
        *in.add_items() = IntListArg(len);
        break;
      }
      case ArrayExpr::Leaf::kUniform:
      case ArrayExpr::Leaf::kNormal:
      case ArrayExpr::Leaf::kIntegers: {
        Shape start, len;
        Region(e->shape, &start, &len);
        const bool ints = e->leaf == ArrayExpr::Leaf::kIntegers;
        *in.add_items() = StrArg(e->leaf == ArrayExpr::Leaf::kUniform ? "uniform"
                                 : ints                               ? "integers"
                                                                      : "normal");
        *in.add_items() = IntArg(static_cast<int64_t>(e->seed));
        if (ints) {
          *in.add_items() = IntArg(e->i1);
          *in.add_items() = IntArg(e->i2);
          *in.add_items() = StrArg(DTypeName(e->dtype));
        } else {
          *in.add_items() = FloatArg(e->p1);
          *in.add_items() = FloatArg(e->p2);
        }
        *in.add_items() = IntListArg(e->shape);
        *in.add_items() = IntListArg(start);
        *in.add_items() = IntListArg(len);
        break;
      }
      case ArrayExpr::Leaf::kArange:
      case ArrayExpr::Leaf::kLinspace: {
        Shape start, len;
        Region(e->shape, &start, &len);
        if (e->leaf == ArrayExpr::Leaf::kArange) {
          *in.add_items() = StrArg("arange");
          *in.add_items() = e->exact ? IntArg(e->i1) : FloatArg(e->p1);
          *in.add_items() = e->exact ? IntArg(e->i2) : FloatArg(e->p2);
          *in.add_items() = StrArg(DTypeName(e->dtype));
        } else {
          *in.add_items() = StrArg("linspace");
          *in.add_items() = FloatArg(e->p1);
          *in.add_items() = FloatArg(e->p2);
          *in.add_items() = IntArg(static_cast<int64_t>(e->num));
          *in.add_items() = BoolArg(e->endpoint);
        }
        *in.add_items() = IntArg(static_cast<int64_t>(start[0]));
        *in.add_items() = IntArg(static_cast<int64_t>(len[0]));
        break;
      }
    }
    const int r = Emit(std::move(in));
    done.emplace(e.get(), r);
    return r;
  }
};

void CollectLayers(const ExprPtr& e, absl::flat_hash_set<const ArrayExpr*>& seen,
                   absl::flat_hash_set<const ArrayLayer*>& have,
                   std::vector<std::shared_ptr<const ArrayLayer>>& out) {
  if (!seen.insert(e.get()).second) return;
  if (e->leaf == ArrayExpr::Leaf::kInput && e->input->layer &&
      have.insert(e->input->layer.get()).second) {
    out.push_back(e->input->layer);
  }
  for (const ExprPtr& a : e->args) CollectLayers(a, seen, have, out);
}

}  // namespace

ExprPtr ConstExpr(v1::Value value, DType dtype) {
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kConst;
  e->value = std::move(value);
  e->dtype = dtype;
  return e;
}

ExprPtr ExprOf(const Array& a) {
  const auto& d = a.data();
  if (d->expr) return d->expr;
  if (d->scalar) return ConstExpr(*d->scalar, d->dtype);
  auto e = std::make_shared<ArrayExpr>();
  e->leaf = ArrayExpr::Leaf::kInput;
  e->dtype = d->dtype;
  e->shape = d->shape;
  e->input = d;
  return e;
}

ExprPtr CastExpr(ExprPtr e, DType dtype) {
  if (e->dtype == dtype) return e;
  if (e->leaf == ArrayExpr::Leaf::kConst) return ConstExpr(e->value, dtype);
  return OpExpr("cast", dtype, {std::move(e)});
}

ExprPtr OpExpr(std::string op, DType dtype, std::vector<ExprPtr> args) {
  auto e = std::make_shared<ArrayExpr>();
  e->op = std::move(op);
  e->dtype = dtype;
  e->args = std::move(args);
  return e;
}

v1::Arg ProgramFor(const ExprPtr& e, const Shape& shape, const Shape& block_offset,
                   const Shape& block_shape, std::vector<std::string>* refs) {
  v1::Arg program;
  Builder b{shape, block_offset, block_shape, refs, program.mutable_list(), {}, {}};
  b.Add(e);
  return program;
}

std::vector<std::shared_ptr<const ArrayLayer>> InputLayers(const ExprPtr& e) {
  absl::flat_hash_set<const ArrayExpr*> seen;
  absl::flat_hash_set<const ArrayLayer*> have;
  std::vector<std::shared_ptr<const ArrayLayer>> out;
  CollectLayers(e, seen, have, out);
  return out;
}

Array MakeElementwise(ExprPtr e, Shape shape, Chunks chunks, std::string name) {
  std::vector<v1::Task> tasks;
  for (const Shape& block : BlockIndices(chunks)) {
    const Shape bshape = BlockShape(chunks, block);
    std::vector<std::string> refs;
    v1::Task task;
    task.set_key(BlockKeyOf(name, block));
    task.set_op("array.eval");
    *task.add_args() = ProgramFor(e, shape, BlockOffset(chunks, block), bshape, &refs);
    for (const std::string& r : refs) *task.add_args() = RefArg(r);
    (*task.mutable_kwargs())["shape"] = IntListArg(bshape);
    tasks.push_back(std::move(task));
  }
  const DType dtype = e->dtype;
  std::vector<std::shared_ptr<const ArrayLayer>> deps = InputLayers(e);
  Array out = MakeArray(dtype, std::move(shape), std::move(chunks), std::move(name),
                        std::move(tasks), std::move(deps));
  auto data = std::make_shared<ArrayData>(*out.data());
  data->expr = std::move(e);
  return Array(std::move(data));
}

}  // namespace brisk
