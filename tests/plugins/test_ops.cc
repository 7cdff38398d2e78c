// A plugin for the integration tests: ops that misbehave, and ops that work.
//   boom()            throws std::runtime_error("boom")
//   boom_int()        throws an int
//   wrong_kind()      declares an ndarray result, returns a str
//   bad_array()       returns an int32 array of shape [4] with 3 bytes of data
//   area(width, height: int) -> int     declared signature; width * height
//   shout(text) -> str                  upper-cases str or bytes (a typed accessor)
//   positions(block=, offset=, shape=, scale=, wrong_block=) -> float64 ndarray
//                     an Array::FromFunction block: the element at global position (i, j, ...)
//                     is scale * (i * 1000^(n-1) + j * 1000^(n-2) + ...); the block whose index
//                     is wrong_block gets one row too many
//   numbered_lines(partition=, npartitions=, lines=) -> list of str
//                     a Bag::FromFunction partition: "p<partition>/<npartitions> line <i>" for i
//                     in 0..lines-1
//   reversed_records(partition) -> list of str
//                     a Bag::MapPartitions op: a text partition's records (a table's "text"
//                     column, or a list of str) in reverse order
#include <cctype>
#include <stdexcept>
#include <string>
#include <vector>

#include "brisk/op.h"

namespace {

using brisk::Kind;
using brisk::OpArgs;
using brisk::OpContext;
using brisk::v1::Value;

absl::StatusOr<Value> Boom(OpContext&, const OpArgs&) { throw std::runtime_error("boom"); }

absl::StatusOr<Value> BoomInt(OpContext&, const OpArgs&) { throw 42; }

absl::StatusOr<Value> WrongKind(OpContext&, const OpArgs&) {
  Value v;
  v.set_str("not an array");
  return v;
}

absl::StatusOr<Value> BadArray(OpContext&, const OpArgs&) {
  Value v;
  v.mutable_ndarray()->set_dtype(brisk::v1::DTYPE_INT32);
  v.mutable_ndarray()->add_shape(4);
  v.mutable_ndarray()->set_data("abc");
  return v;
}

absl::StatusOr<Value> Area(OpContext&, const OpArgs& args) {
  Value v;
  v.set_int_(args[0].int_() * args[1].int_());  // the signature checked both are ints
  return v;
}

absl::StatusOr<Value> Shout(OpContext&, const OpArgs& args) {
  absl::StatusOr<absl::string_view> text = args.Str(0);
  if (!text.ok()) return text.status();
  Value v;
  std::string out(*text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v.set_str(out);
  return v;
}

std::vector<int64_t> Ints(const Value* list) {
  std::vector<int64_t> out;
  if (list == nullptr) return out;
  for (const Value& item : list->list().items()) out.push_back(item.int_());
  return out;
}

absl::StatusOr<Value> Positions(OpContext&, const OpArgs& args) {
  absl::StatusOr<double> scale = args.Float("scale", 1.0);
  if (!scale.ok()) return scale.status();
  const std::vector<int64_t> offset = Ints(args.Kwarg("offset"));
  std::vector<int64_t> shape = Ints(args.Kwarg("shape"));
  const std::vector<int64_t> block = Ints(args.Kwarg("block"));
  if (offset.size() != shape.size()) return args.Error("offset and shape differ in length");
  if (args.Kwarg("wrong_block") != nullptr && Ints(args.Kwarg("wrong_block")) == block &&
      !shape.empty()) {
    ++shape[0];
  }
  std::vector<uint64_t> ushape(shape.begin(), shape.end());
  brisk::ArrayBuilder<double> out(ushape);
  absl::Span<double> values = out.values();
  std::vector<int64_t> at(shape.size(), 0);
  for (double& v : values) {
    double x = 0;
    for (size_t d = 0; d < at.size(); ++d) x = x * 1000 + static_cast<double>(offset[d] + at[d]);
    v = *scale * x;
    for (size_t d = at.size(); d-- > 0;) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  return std::move(out).Finish();
}

absl::StatusOr<Value> NumberedLines(OpContext&, const OpArgs& args) {
  absl::StatusOr<int64_t> partition = args.Int("partition", -1);
  absl::StatusOr<int64_t> npartitions = args.Int("npartitions", -1);
  absl::StatusOr<int64_t> lines = args.Int("lines", 0);
  if (!partition.ok()) return partition.status();
  if (!npartitions.ok()) return npartitions.status();
  if (!lines.ok()) return lines.status();
  Value out;
  out.mutable_list();
  for (int64_t i = 0; i < *lines; ++i) {
    out.mutable_list()->add_items()->set_str("p" + std::to_string(*partition) + "/" +
                                             std::to_string(*npartitions) + " line " +
                                             std::to_string(i));
  }
  return out;
}

absl::StatusOr<Value> ReversedRecords(OpContext&, const OpArgs& args) {
  std::vector<std::string> records;
  if (args[0].kind_case() == Value::kList) {
    for (const Value& item : args[0].list().items()) records.push_back(item.str());
  } else {
    absl::StatusOr<brisk::TableView> table = args.Table(0);
    if (!table.ok()) return table.status();
    absl::StatusOr<brisk::ColumnView> text = table->column("text");
    if (!text.ok()) return text.status();
    for (uint64_t r = 0; r < text->size(); ++r) records.emplace_back(text->String(r));
  }
  Value out;
  out.mutable_list();
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    out.mutable_list()->add_items()->set_str(*it);
  }
  return out;
}

}  // namespace

BRISK_PLUGIN(registry) {
  registry.Register("boom", Boom);
  registry.Register("boom_int", BoomInt);
  brisk::OpSignature array_result;
  array_result.result = Kind::kNdarray;
  registry.Register("wrong_kind", array_result, WrongKind);
  registry.Register("bad_array", BadArray);
  brisk::OpSignature area;
  area.args = {{"width", Kind::kInt}, {"height", Kind::kInt}};
  area.result = Kind::kInt;
  registry.Register("area", area, Area);
  registry.Register("shout", Shout);
  registry.Register("positions", Positions);
  registry.Register("numbered_lines", NumberedLines);
  registry.Register("reversed_records", ReversedRecords);
}
