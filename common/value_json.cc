#include "common/value_json.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace brisk {
namespace {

bool IsUtf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = s[i];
    int extra;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      extra = 3;
    } else {
      return false;
    }
    uint32_t code_point = c & (0x7F >> extra);
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= n || (static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
      code_point = (code_point << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    // Reject overlong encodings, UTF-16 surrogates and code points above U+10FFFF.
    static constexpr uint32_t kMinCodePoint[] = {0, 0x80, 0x800, 0x10000};
    if (code_point < kMinCodePoint[extra] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

google::protobuf::Value ValueToJson(const v1::Value& value) {
  google::protobuf::Value out;
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case v1::Value::kBool:
      out.set_bool_value(value.bool_());
      break;
    case v1::Value::kInt:
      out.set_number_value(static_cast<double>(value.int_()));
      break;
    case v1::Value::kFloat:
      out.set_number_value(value.float_());
      break;
    case v1::Value::kStr:
      out.set_string_value(value.str());
      break;
    case v1::Value::kBytes:
      if (IsUtf8(value.bytes())) {
        out.set_string_value(value.bytes());
      } else {
        (*out.mutable_struct_value()->mutable_fields())["base64"].set_string_value(
            absl::Base64Escape(value.bytes()));
      }
      break;
    case v1::Value::kList: {
      auto* list = out.mutable_list_value();
      for (const v1::Value& item : value.list().items()) *list->add_values() = ValueToJson(item);
      break;
    }
    case v1::Value::kMap: {
      auto* fields = out.mutable_struct_value()->mutable_fields();
      for (const auto& [k, v] : value.map().entries()) (*fields)[k] = ValueToJson(v);
      break;
    }
  }
  return out;
}

std::string JsonText(const google::protobuf::Value& json) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(json, &text, options);
  return text;
}

std::string ValueText(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      return "null";
    case v1::Value::kBool:
      return value.bool_() ? "true" : "false";
    case v1::Value::kInt:
      return absl::StrCat(value.int_());
    case v1::Value::kFloat: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.float_());
      return std::string(buf, end);
    }
    case v1::Value::kStr:
      return value.str();
    case v1::Value::kBytes:
      if (IsUtf8(value.bytes())) return value.bytes();
      return absl::StrCat("<", value.bytes().size(), " bytes>");
    case v1::Value::kList:
      return absl::StrCat("[",
                          absl::StrJoin(value.list().items(), ", ",
                                        [](std::string* out, const v1::Value& item) {
                                          out->append(ValueText(item));
                                        }),
                          "]");
    case v1::Value::kMap:
      return JsonText(ValueToJson(value));
  }
  return "";
}

}  // namespace brisk
