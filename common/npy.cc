// .npy files (NumPy's format, numpy/lib/format.py): a magic string, a version, a header length,
// a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces to a multiple of 64 bytes and ended by '\n', then the raw elements.
//
// A small parser of our own rather than a library: the C++ .npy readers at hand (xtensor's
// load_npy, cnpy) need the element type at compile time or leave byte order and bounds to the
// caller, and a Brisk value learns its dtype from the file.
#include "brisk/npy.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "brisk/value.h"

namespace brisk {
namespace {

constexpr absl::string_view kMagic = "\x93NUMPY";
// Largest element count or byte count accepted: far beyond any real file, and small enough that
// no product of it overflows.
constexpr uint64_t kMaxBytes = uint64_t{1} << 56;

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("not a valid .npy file: ", what));
}

// The Python literals a .npy header holds: str, bool, tuple of int; a list (a structured dtype)
// only to refuse it by name.
struct PyValue {
  enum Kind { kStr, kBool, kTuple, kList } kind;
  std::string str;
  bool boolean = false;
  std::vector<uint64_t> ints;
};

// A reader of the header's dict literal, as numpy writes it (and as Python's repr would).
class HeaderParser {
 public:
  explicit HeaderParser(absl::string_view text) : text_(text) {}

  absl::Status ParseDict(std::vector<std::pair<std::string, PyValue>>& out) {
    SkipSpace();
    if (!Eat('{')) return Bad("the header is not a dict");
    while (true) {
      SkipSpace();
      if (Eat('}')) break;
      absl::StatusOr<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      SkipSpace();
      if (!Eat(':')) return Bad("expected ':' in the header");
      absl::StatusOr<PyValue> value = ParseValue();
      if (!value.ok()) return value.status();
      const bool list = value->kind == PyValue::kList;
      out.emplace_back(std::move(*key), std::move(*value));
      if (list) return absl::OkStatus();  // refused by the caller; its items are not read
      SkipSpace();
      if (Eat('}')) break;
      if (!Eat(',')) return Bad("expected ',' or '}' in the header");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Bad("text after the header's dict");
    return absl::OkStatus();
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool EatWord(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // A quoted string without escapes (numpy's keys and descr never have any).
  absl::StatusOr<std::string> ParseString() {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return Bad("expected a quoted string in the header");
    }
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == absl::string_view::npos) return Bad("unterminated string in the header");
    std::string s(text_.substr(pos_, end - pos_));
    if (s.find('\\') != std::string::npos) return Bad("escapes in a header string");
    pos_ = end + 1;
    return s;
  }

  absl::StatusOr<uint64_t> ParseInt() {
    SkipSpace();
    const size_t begin = pos_;
    uint64_t n = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text_[pos_] - '0');
      if (n > kMaxBytes) return Bad("a dimension in 'shape' is too large");
      ++pos_;
    }
    if (pos_ == begin) return Bad("'shape' holds something other than non-negative integers");
    Eat('L');  // Python 2's long literal, in files written by NumPy under Python 2
    return n;
  }

  absl::StatusOr<PyValue> ParseValue() {
    SkipSpace();
    PyValue v;
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      v.kind = PyValue::kStr;
      absl::StatusOr<std::string> s = ParseString();
      if (!s.ok()) return s.status();
      v.str = std::move(*s);
      return v;
    }
    if (EatWord("True")) {
      v.kind = PyValue::kBool;
      v.boolean = true;
      return v;
    }
    if (EatWord("False")) {
      v.kind = PyValue::kBool;
      return v;
    }
    if (Eat('[')) {
      v.kind = PyValue::kList;
      return v;
    }
    if (!Eat('(')) return Bad("a header value is not a string, a bool or a tuple");
    v.kind = PyValue::kTuple;
    while (true) {
      SkipSpace();
      if (Eat(')')) break;
      absl::StatusOr<uint64_t> n = ParseInt();
      if (!n.ok()) return n.status();
      v.ints.push_back(*n);
      SkipSpace();
      if (Eat(')')) break;
      if (!Eat(',')) return Bad("expected ',' or ')' in 'shape'");
    }
    return v;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// The dtype of a descr such as '<f8', and whether its bytes must be swapped.
struct Descr {
  DType dtype;
  bool swap;
};

absl::StatusOr<Descr> ParseDescr(absl::string_view descr) {
  const std::string quoted = absl::StrCat("dtype '", descr, "'");
  char order = '|';
  absl::string_view rest = descr;
  if (!rest.empty() && (rest[0] == '<' || rest[0] == '>' || rest[0] == '|' || rest[0] == '=')) {
    order = rest[0];
    rest.remove_prefix(1);
  }
  if (rest == "?") rest = "b1";
  DType dtype = v1::DTYPE_UNSPECIFIED;
  static constexpr struct {
    absl::string_view code;
    DType dtype;
  } kCodes[] = {{"b1", v1::DTYPE_BOOL},    {"i1", v1::DTYPE_INT8},   {"i2", v1::DTYPE_INT16},
                {"i4", v1::DTYPE_INT32},   {"i8", v1::DTYPE_INT64},  {"u1", v1::DTYPE_UINT8},
                {"u2", v1::DTYPE_UINT16},  {"u4", v1::DTYPE_UINT32}, {"u8", v1::DTYPE_UINT64},
                {"f4", v1::DTYPE_FLOAT32}, {"f8", v1::DTYPE_FLOAT64}};
  for (const auto& c : kCodes) {
    if (rest == c.code) dtype = c.dtype;
  }
  if (dtype == v1::DTYPE_UNSPECIFIED) {
    absl::string_view what = "an unknown type";
    if (!rest.empty()) {
      switch (rest[0]) {
        case 'f':
          what = "a float of a size other than 4 or 8 bytes";
          break;
        case 'c':
          what = "complex numbers";
          break;
        case 'U':
        case 'S':
        case 'a':
          what = "fixed-width strings";
          break;
        case 'O':
          what = "Python objects";
          break;
        case 'M':
        case 'm':
          what = "dates or time deltas";
          break;
        case 'V':
          what = "raw records";
          break;
        default:
          break;
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        quoted, " (", what,
        ") is not supported: Brisk arrays hold bool, int8 to int64, uint8 to uint64, float32 "
        "and float64"));
  }
  const size_t itemsize = ItemSize(dtype);
  if (order == '|' && itemsize != 1) {
    return Bad(absl::StrCat(quoted, " has no byte order"));
  }
  const bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
  return Descr{dtype, big && itemsize > 1};
}

void SwapBytes(std::string& data, size_t itemsize) {
  for (size_t i = 0; i + itemsize <= data.size(); i += itemsize) {
    std::reverse(data.begin() + static_cast<ptrdiff_t>(i),
                 data.begin() + static_cast<ptrdiff_t>(i + itemsize));
  }
}

// The elements of a Fortran-order (column-major) buffer, rearranged into C order.
std::string FortranToC(absl::string_view data, const std::vector<uint64_t>& shape,
                       size_t itemsize) {
  std::string out(data.size(), '\0');
  const size_t ndim = shape.size();
  // C-order strides, in elements.
  std::vector<uint64_t> stride(ndim, 1);
  for (size_t k = ndim - 1; k > 0; --k) stride[k - 1] = stride[k] * shape[k];
  // Walk the source in its own order (first index fastest), writing each element to its C place.
  std::vector<uint64_t> index(ndim, 0);
  uint64_t dest = 0;
  const uint64_t count = data.size() / itemsize;
  for (uint64_t i = 0; i < count; ++i) {
    std::memcpy(out.data() + dest * itemsize, data.data() + i * itemsize, itemsize);
    for (size_t k = 0; k < ndim; ++k) {
      dest += stride[k];
      if (++index[k] < shape[k]) break;
      dest -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

std::string ShapeText(const std::vector<uint64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace

absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view bytes, uint64_t file_size) {
  if (bytes.size() < kMagic.size() + 2 || bytes.substr(0, 6) != kMagic) {
    return Bad("it does not start with \\x93NUMPY");
  }
  const auto major = static_cast<uint8_t>(bytes[6]);
  const auto minor = static_cast<uint8_t>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(".npy format version ", major, ".", minor, " is not supported (1.0 to 3.0)"));
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t prefix = 8 + length_bytes;
  if (bytes.size() < prefix) return Bad("the header length is cut off");
  uint64_t header_length = 0;
  for (size_t i = 0; i < length_bytes; ++i) {
    header_length |= uint64_t{static_cast<uint8_t>(bytes[8 + i])} << (8 * i);
  }
  if (header_length > file_size - prefix) {
    return Bad(absl::StrCat("the header claims ", header_length, " bytes, the file has ",
                            file_size - prefix, " after the header length"));
  }
  if (header_length > bytes.size() - prefix) {
    return absl::OutOfRangeError(
        absl::StrCat("the header needs ", prefix + header_length, " bytes"));
  }
  const absl::string_view header = bytes.substr(prefix, header_length);
  if (major < 3 && std::any_of(header.begin(), header.end(),
                               [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return Bad("a format 1.0 or 2.0 header holds only ASCII");
  }
  std::vector<std::pair<std::string, PyValue>> entries;
  if (absl::Status parsed = HeaderParser(header).ParseDict(entries); !parsed.ok()) return parsed;

  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  for (const auto& [key, value] : entries) {
    const PyValue** slot = key == "descr"           ? &descr
                           : key == "fortran_order" ? &fortran
                           : key == "shape"         ? &shape
                                                    : nullptr;
    if (slot == nullptr) return Bad(absl::StrCat("unknown header key '", key, "'"));
    if (*slot != nullptr) return Bad(absl::StrCat("header key '", key, "' given twice"));
    *slot = &value;
  }
  if (descr != nullptr && descr->kind == PyValue::kList) {
    return absl::InvalidArgumentError(
        "structured dtypes (records of named fields) are not supported: Brisk arrays hold one "
        "numeric or bool dtype");
  }
  if (descr == nullptr || fortran == nullptr || shape == nullptr) {
    return Bad("the header lacks one of 'descr', 'fortran_order' and 'shape'");
  }
  if (descr->kind != PyValue::kStr) return Bad("'descr' is not a string");
  if (fortran->kind != PyValue::kBool) return Bad("'fortran_order' is not True or False");
  if (shape->kind != PyValue::kTuple) return Bad("'shape' is not a tuple");
  absl::StatusOr<Descr> type = ParseDescr(descr->str);
  if (!type.ok()) return type.status();

  const size_t itemsize = ItemSize(type->dtype);
  uint64_t count = 1;
  for (uint64_t d : shape->ints) {
    if (d != 0 && count > kMaxBytes / d) return Bad("the shape holds too many elements");
    count *= d;
  }
  if (count > kMaxBytes / itemsize) return Bad("the shape holds too many bytes");
  const uint64_t nbytes = count * itemsize;
  const uint64_t data_begin = prefix + header_length;
  const uint64_t have = file_size - data_begin;
  if (have != nbytes) {
    return Bad(absl::StrCat("shape ", ShapeText(shape->ints), " of ", DTypeName(type->dtype),
                            " needs ", nbytes, " data bytes, the file has ", have));
  }
  NpyHeader out;
  out.dtype = type->dtype;
  out.shape = shape->ints;
  out.fortran_order = fortran->boolean;
  out.swap_bytes = type->swap;
  out.data_offset = data_begin;
  return out;
}

absl::StatusOr<v1::Value> ParseNpy(std::string bytes) {
  absl::StatusOr<NpyHeader> header = ParseNpyHeader(bytes, bytes.size());
  if (!header.ok()) return header.status();
  const size_t itemsize = ItemSize(header->dtype);
  uint64_t count = 1;
  for (uint64_t d : header->shape) count *= d;
  const uint64_t data_begin = header->data_offset;

  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(header->dtype);
  for (uint64_t d : header->shape) array->add_shape(d);
  const bool transpose = header->fortran_order && header->shape.size() > 1 && count > 1;
  std::string data;
  if (transpose) {
    data = FortranToC(absl::string_view(bytes).substr(data_begin), header->shape, itemsize);
  } else {
    bytes.erase(0, data_begin);  // in place: the data moves to the front of the same buffer
    data = std::move(bytes);
  }
  if (header->swap_bytes) SwapBytes(data, itemsize);
  if (header->dtype == v1::DTYPE_BOOL) {
    if (absl::Status bools = CheckNpyBools(data); !bools.ok()) return bools;
  }
  array->set_data(std::move(data));
  return value;
}

absl::Status CheckNpyBools(absl::string_view data) {
  auto bad = std::find_if(data.begin(), data.end(), [](char c) { return c != 0 && c != 1; });
  if (bad != data.end()) {
    return Bad(absl::StrCat("bool element ", bad - data.begin(), " is ",
                            static_cast<int>(static_cast<uint8_t>(*bad)), ", not 0 or 1"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Value> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  absl::StatusOr<v1::Value> value = ParseNpy(std::move(bytes));
  if (!value.ok()) {
    return absl::Status(value.status().code(), absl::StrCat(path, ": ", value.status().message()));
  }
  return value;
}

absl::StatusOr<NpyHeader> ReadNpyHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  const auto file_size = static_cast<uint64_t>(in.tellg());
  // numpy pads headers to 64 bytes; most fit in 4 KiB, a long shape may need more.
  for (uint64_t want = 4096;; want *= 16) {
    std::string bytes(std::min(want, file_size), '\0');
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!in) return absl::DataLossError(absl::StrCat("cannot read ", path));
    absl::StatusOr<NpyHeader> header = ParseNpyHeader(bytes, file_size);
    if (header.ok() || !absl::IsOutOfRange(header.status()) || bytes.size() == file_size) {
      if (!header.ok()) {
        return absl::Status(header.status().code(),
                            absl::StrCat(path, ": ", header.status().message()));
      }
      return header;
    }
  }
}

absl::StatusOr<std::string> EncodeNpy(const v1::Value& value) {
  if (value.kind_case() != v1::Value::kNdarray) {
    return absl::InvalidArgumentError(
        absl::StrCat("only an ndarray can be written as .npy, not a ", KindName(value)));
  }
  const v1::NDArray& array = value.ndarray();
  if (absl::Status ok = CheckArray(array); !ok.ok()) return ok;
  const size_t itemsize = ItemSize(array.dtype());
  absl::string_view code;
  switch (array.dtype()) {
    case v1::DTYPE_BOOL:
      code = "b1";
      break;
    case v1::DTYPE_INT8:
      code = "i1";
      break;
    case v1::DTYPE_INT16:
      code = "i2";
      break;
    case v1::DTYPE_INT32:
      code = "i4";
      break;
    case v1::DTYPE_INT64:
      code = "i8";
      break;
    case v1::DTYPE_UINT8:
      code = "u1";
      break;
    case v1::DTYPE_UINT16:
      code = "u2";
      break;
    case v1::DTYPE_UINT32:
      code = "u4";
      break;
    case v1::DTYPE_UINT64:
      code = "u8";
      break;
    case v1::DTYPE_FLOAT32:
      code = "f4";
      break;
    case v1::DTYPE_FLOAT64:
      code = "f8";
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("an array of ", DTypeName(array.dtype()), " cannot be written as .npy"));
  }
  const std::vector<uint64_t> shape(array.shape().begin(), array.shape().end());
  std::string header =
      absl::StrCat("{'descr': '", itemsize == 1 ? "|" : "<", code,
                   "', 'fortran_order': False, 'shape': ", ShapeText(shape), ", }");
  // numpy pads the header with spaces so that the data starts at a multiple of 64, and ends it
  // with '\n'; format 2.0 only when the header does not fit format 1.0's 16-bit length.
  size_t prefix = 10;
  size_t padded = (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
  if (padded > 0xFFFF) {
    prefix = 12;
    padded = (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
  }
  header.resize(padded - 1, ' ');
  header.push_back('\n');
  std::string out;
  out.reserve(prefix + header.size() + array.data().size());
  out.append(kMagic.data(), kMagic.size());
  out.push_back(prefix == 10 ? '\x01' : '\x02');
  out.push_back('\x00');
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>(padded >> (8 * i)));
  out.append(header);
  out.append(array.data());
  return out;
}

absl::Status WriteNpy(const std::string& path, const v1::Value& value) {
  absl::StatusOr<std::string> bytes = EncodeNpy(value);
  if (!bytes.ok()) return bytes.status();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("writing ", path, " failed"));
  return absl::OkStatus();
}

}  // namespace brisk
