// The core of brisk::Array: names, blocks, layers, and running an Array's graph on a client.
#include "client/array_data.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/client.h"

namespace brisk {
namespace {

const std::shared_ptr<const ArrayData>& DefaultData() {
  static const auto* data = new std::shared_ptr<const ArrayData>([] {
    auto d = std::make_shared<ArrayData>();
    d->status = absl::FailedPreconditionError("an Array made by its default constructor");
    return d;
  }());
  return *data;
}

Array ScalarArray(v1::Value value, DType dtype) {
  auto data = std::make_shared<ArrayData>();
  data->dtype = dtype;
  data->name = absl::StrCat("scalar-", value.ShortDebugString());
  data->scalar = std::move(value);
  return Array(std::move(data));
}

// Copies block `block` (C order, shape `bshape`) into `out` (C order, shape `shape`) at `offset`,
// one innermost run at a time.
void CopyBlock(const char* block, absl::Span<const uint64_t> bshape, char* out,
               absl::Span<const uint64_t> shape, absl::Span<const uint64_t> offset,
               size_t itemsize) {
  const size_t nd = shape.size();
  if (nd == 0) {
    std::memcpy(out, block, itemsize);
    return;
  }
  uint64_t rows = 1;
  for (size_t d = 0; d + 1 < nd; ++d) rows *= bshape[d];
  const uint64_t run = bshape[nd - 1] * itemsize;
  if (run == 0) return;
  std::vector<uint64_t> pos(nd, 0);  // position within the block, innermost axis 0
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t flat = 0;
    for (size_t d = 0; d < nd; ++d) flat = flat * shape[d] + offset[d] + pos[d];
    std::memcpy(out + flat * itemsize, block + r * run, run);
    for (size_t d = nd - 1; d-- > 0;) {
      if (++pos[d] < bshape[d]) break;
      pos[d] = 0;
    }
  }
}

}  // namespace

void CollectTasks(const std::shared_ptr<const ArrayLayer>& layer,
                  absl::flat_hash_set<const ArrayLayer*>& seen, v1::Graph& graph) {
  if (!layer || !seen.insert(layer.get()).second) return;
  for (const auto& dep : layer->deps) CollectTasks(dep, seen, graph);
  for (const v1::Task& task : layer->tasks) *graph.add_tasks() = task;
}

PersistedJob::~PersistedJob() {
  if (client != nullptr) client->Release(job).IgnoreError();
}

absl::StatusOr<std::shared_ptr<PersistedJob>> HoldGraph(Client& client, const v1::Graph& graph,
                                                        absl::string_view what) {
  SubmitOptions options;
  options.keep = true;
  absl::StatusOr<Job> job = client.Submit(graph, options);
  if (!job.ok()) return job.status();
  auto held = std::make_shared<PersistedJob>();
  held->client = &client;
  held->job = job->id;
  absl::StatusOr<v1::JobState> state = client.Wait(job->id);
  if (!state.ok()) return state.status();
  if (*state != v1::JOB_STATE_FINISHED) {
    for (const Future& f : job->outputs) {
      absl::StatusOr<KeyStatus> key = client.WaitKey(f);
      if (key.ok() && !key->error.empty()) {
        return absl::AbortedError(absl::StrCat(what, " ", f.key, ": ", key->error));
      }
    }
    return absl::AbortedError(absl::StrCat("job ", job->id, " did not finish"));
  }
  return held;
}

Array ErrorArray(absl::Status status) {
  auto data = std::make_shared<ArrayData>();
  data->status = std::move(status);
  return Array(std::move(data));
}

absl::Status FirstError(std::initializer_list<const Array*> arrays) {
  for (const Array* a : arrays) {
    if (!a->ok()) return a->status();
  }
  return absl::OkStatus();
}

std::string ArrayName(absl::string_view prefix, absl::Span<const std::string> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (const std::string& part : parts) {
    const uint64_t n = part.size();
    EVP_DigestUpdate(ctx.get(), &n, sizeof(n));
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  return absl::StrCat(
      prefix, "-", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 12)));
}

std::string BlockKeyOf(absl::string_view name, absl::Span<const uint64_t> block) {
  if (block.empty()) return std::string(name);
  return absl::StrCat(name, "-", absl::StrJoin(block, "."));
}

absl::StatusOr<Chunks> RegularChunks(absl::Span<const uint64_t> shape,
                                     absl::Span<const uint64_t> chunk) {
  if (chunk.empty() && !shape.empty()) {
    chunk = shape;  // one block
  } else if (chunk.size() != shape.size()) {
    return absl::InvalidArgumentError(absl::StrCat("chunks of ", chunk.size(), " axes for a ",
                                                   shape.size(), "-dimensional shape"));
  }
  Chunks chunks(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    const uint64_t c = chunk[d] == 0 ? shape[d] : chunk[d];
    if (shape[d] == 0 || c >= shape[d]) {
      chunks[d].push_back(shape[d]);
      continue;
    }
    for (uint64_t at = 0; at < shape[d]; at += c) chunks[d].push_back(std::min(c, shape[d] - at));
  }
  return chunks;
}

std::vector<Shape> BlockIndices(const Chunks& chunks) {
  std::vector<Shape> out;
  Shape index(chunks.size(), 0);
  uint64_t total = 1;
  for (const auto& axis : chunks) total *= axis.size();
  out.reserve(total);
  for (uint64_t i = 0; i < total; ++i) {
    out.push_back(index);
    for (size_t d = chunks.size(); d-- > 0;) {
      if (++index[d] < chunks[d].size()) break;
      index[d] = 0;
    }
  }
  return out;
}

Shape BlockShape(const Chunks& chunks, absl::Span<const uint64_t> block) {
  Shape shape(chunks.size());
  for (size_t d = 0; d < chunks.size(); ++d) shape[d] = chunks[d][block[d]];
  return shape;
}

Shape BlockOffset(const Chunks& chunks, absl::Span<const uint64_t> block) {
  Shape offset(chunks.size(), 0);
  for (size_t d = 0; d < chunks.size(); ++d) {
    for (uint64_t i = 0; i < block[d]; ++i) offset[d] += chunks[d][i];
  }
  return offset;
}

v1::Arg IntListArg(absl::Span<const uint64_t> values) {
  v1::Arg arg;
  v1::ArgList* list = arg.mutable_list();
  for (uint64_t v : values) list->add_items()->set_int_(static_cast<int64_t>(v));
  return arg;
}

v1::Arg RefArg(const std::string& key) {
  v1::Arg arg;
  arg.set_ref(key);
  return arg;
}

v1::Arg IntArg(int64_t v) {
  v1::Arg arg;
  arg.set_int_(v);
  return arg;
}

v1::Arg FloatArg(double v) {
  v1::Arg arg;
  arg.set_float_(v);
  return arg;
}

v1::Arg BoolArg(bool v) {
  v1::Arg arg;
  arg.set_bool_(v);
  return arg;
}

v1::Arg StrArg(absl::string_view v) {
  v1::Arg arg;
  arg.set_str(std::string(v));
  return arg;
}

Array MakeArray(DType dtype, Shape shape, Chunks chunks, std::string name,
                std::vector<v1::Task> tasks, std::vector<std::shared_ptr<const ArrayLayer>> deps) {
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = name;
  layer->tasks = std::move(tasks);
  layer->deps = std::move(deps);
  auto data = std::make_shared<ArrayData>();
  data->dtype = dtype;
  data->shape = std::move(shape);
  data->chunks = std::move(chunks);
  data->name = std::move(name);
  data->layer = std::move(layer);
  return Array(std::move(data));
}

Array::Array() : data_(DefaultData()) {}
Array::Array(double value) {
  v1::Value v;
  v.set_float_(value);
  *this = ScalarArray(std::move(v), v1::DTYPE_FLOAT64);
}
Array::Array(int64_t value) {
  v1::Value v;
  v.set_int_(value);
  *this = ScalarArray(std::move(v), v1::DTYPE_INT64);
}
Array::Array(bool value) {
  v1::Value v;
  v.set_bool_(value);
  *this = ScalarArray(std::move(v), v1::DTYPE_BOOL);
}

const absl::Status& Array::status() const { return data_->status; }
DType Array::dtype() const { return data_->dtype; }
const Shape& Array::shape() const { return data_->shape; }
const Chunks& Array::chunks() const { return data_->chunks; }
const std::string& Array::name() const { return data_->name; }

uint64_t Array::size() const {
  uint64_t n = 1;
  for (uint64_t d : shape()) n *= d;
  return n;
}

Shape Array::NumBlocks() const {
  Shape n;
  for (const auto& axis : chunks()) n.push_back(axis.size());
  return n;
}

std::string Array::BlockKey(absl::Span<const uint64_t> block) const {
  return BlockKeyOf(name(), block);
}

v1::Graph Array::ToGraph() const {
  v1::Graph graph;
  absl::flat_hash_set<const ArrayLayer*> seen;
  CollectTasks(data_->layer, seen, graph);
  for (const Shape& block : BlockIndices(chunks())) graph.add_outputs(BlockKey(block));
  CullGraph(graph);
  return graph;
}

absl::StatusOr<v1::Value> Array::Compute(Client& client) const {
  if (!ok()) return status();
  if (data_->scalar) {  // a 0-d ndarray of the literal
    const v1::Value& s = *data_->scalar;
    v1::Value value;
    v1::NDArray* array = value.mutable_ndarray();
    array->set_dtype(dtype());
    std::string bytes(ItemSize(dtype()), '\0');
    if (s.kind_case() == v1::Value::kInt) {
      const int64_t v = s.int_();
      std::memcpy(bytes.data(), &v, sizeof(v));
    } else if (s.kind_case() == v1::Value::kFloat) {
      const double v = s.float_();
      std::memcpy(bytes.data(), &v, sizeof(v));
    } else {
      bytes[0] = s.bool_() ? 1 : 0;
    }
    array->set_data(std::move(bytes));
    return value;
  }
  const std::vector<Shape> indices = BlockIndices(chunks());
  absl::StatusOr<std::vector<ValuePtr>> blocks;
  if (data_->layer->persisted) {  // held on the workers already
    std::vector<std::string> keys;
    for (const Shape& block : indices) keys.push_back(BlockKey(block));
    blocks = client.GatherKeys(keys);
  } else {
    absl::StatusOr<Job> job = client.Submit(ToGraph());
    if (!job.ok()) return job.status();
    blocks = client.Gather(job->outputs);
    client.Release(job->id).IgnoreError();
  }
  if (!blocks.ok()) return blocks.status();
  if (indices.size() == 1) return *(*blocks)[0];
  const size_t itemsize = ItemSize(dtype());
  absl::StatusOr<uint64_t> nbytes = ArrayByteCount(dtype(), shape());
  if (!nbytes.ok()) return nbytes.status();
  std::string out(*nbytes, '\0');
  for (size_t i = 0; i < indices.size(); ++i) {
    absl::StatusOr<ArrayView> view = ArrayView::Of(*(*blocks)[i]);
    if (!view.ok()) return view.status();
    const Shape bshape = BlockShape(chunks(), indices[i]);
    if (view->dtype() != dtype() ||
        !std::equal(view->shape().begin(), view->shape().end(), bshape.begin(), bshape.end())) {
      return absl::InternalError(absl::StrCat("block ", BlockKey(indices[i]), " is ",
                                              DTypeName(view->dtype()), " of another shape"));
    }
    CopyBlock(view->bytes().data(), bshape, out.data(), shape(), BlockOffset(chunks(), indices[i]),
              itemsize);
  }
  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(dtype());
  for (uint64_t d : shape()) array->add_shape(d);
  array->set_data(std::move(out));
  return value;
}

absl::StatusOr<Array> Array::Persist(Client& client) const {
  if (!ok()) return status();
  if (data_->scalar || data_->layer->persisted) return *this;
  absl::StatusOr<std::shared_ptr<PersistedJob>> held = HoldGraph(client, ToGraph(), "block");
  if (!held.ok()) return held.status();
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = name();
  layer->persisted = *std::move(held);
  auto data = std::make_shared<ArrayData>(*data_);
  data->layer = std::move(layer);
  data->expr = nullptr;  // read the held blocks, never recompute them
  return Array(std::move(data));
}

namespace {

void AddRefs(const v1::Arg& arg, std::vector<const std::string*>& out) {
  if (arg.kind_case() == v1::Arg::kRef) out.push_back(&arg.ref());
  if (arg.kind_case() == v1::Arg::kList) {
    for (const v1::Arg& item : arg.list().items()) AddRefs(item, out);
  }
}

}  // namespace

void CullGraph(v1::Graph& graph) {
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < graph.tasks_size(); ++i) index[graph.tasks(i).key()] = i;
  std::vector<bool> needed(graph.tasks_size(), false);
  std::vector<int> stack;
  auto need = [&](const std::string& key) {
    auto it = index.find(key);
    if (it != index.end() && !needed[it->second]) {
      needed[it->second] = true;
      stack.push_back(it->second);
    }
  };
  for (const std::string& key : graph.outputs()) need(key);
  while (!stack.empty()) {
    const v1::Task& task = graph.tasks(stack.back());
    stack.pop_back();
    std::vector<const std::string*> refs;
    for (const v1::Arg& arg : task.args()) AddRefs(arg, refs);
    for (const auto& [name, arg] : task.kwargs()) AddRefs(arg, refs);
    for (const std::string* ref : refs) need(*ref);
    for (const std::string& key : task.after()) need(key);
  }
  if (std::find(needed.begin(), needed.end(), false) == needed.end()) return;
  google::protobuf::RepeatedPtrField<v1::Task> kept;
  for (int i = 0; i < graph.tasks_size(); ++i) {
    if (needed[i]) kept.Add()->Swap(graph.mutable_tasks(i));
  }
  graph.mutable_tasks()->Swap(&kept);
}

}  // namespace brisk
