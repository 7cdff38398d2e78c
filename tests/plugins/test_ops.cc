// A plugin for the integration tests: ops that misbehave, and ops that work.
//   boom()            throws std::runtime_error("boom")
//   boom_int()        throws an int
//   wrong_kind()      declares an ndarray result, returns a str
//   bad_array()       returns an int32 array of shape [4] with 3 bytes of data
//   area(width, height: int) -> int     declared signature; width * height
//   shout(text) -> str                  upper-cases str or bytes (a typed accessor)
#include <cctype>
#include <stdexcept>
#include <string>

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
}
