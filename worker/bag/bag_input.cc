#include "worker/bag/bag_input.h"

#include <charconv>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "common/value_json.h"
#include "nlohmann/json.hpp"
#include "worker/bag/partition_table.h"
#include "worker/bag/text_reader.h"

namespace brisk {
namespace {

v1::Value FromJson(const nlohmann::json& json) {
  v1::Value out;
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      out.set_bool_(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
      out.set_int_(json.get<int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned: {
      const uint64_t u = json.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) {
        out.set_int_(static_cast<int64_t>(u));
      } else {
        out.set_float_(static_cast<double>(u));
      }
      break;
    }
    case nlohmann::json::value_t::number_float:
      out.set_float_(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      out.set_str(json.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array:
      out.mutable_list();
      for (const auto& item : json) *out.mutable_list()->add_items() = FromJson(item);
      break;
    case nlohmann::json::value_t::object:
      out.mutable_map();
      for (const auto& [name, item] : json.items()) {
        (*out.mutable_map()->mutable_entries())[name] = FromJson(item);
      }
      break;
    default:
      break;  // null: no kind
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Value> ParseJsonRecord(absl::string_view json) {
  const nlohmann::json parsed = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                                      /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  return FromJson(parsed);
}

std::optional<std::string> PluckText(const v1::Value& record, absl::string_view field) {
  if (record.kind_case() != v1::Value::kMap) return std::nullopt;
  auto it = record.map().entries().find(std::string(field));
  if (it == record.map().entries().end()) return std::nullopt;
  const v1::Value& v = it->second;
  switch (v.kind_case()) {
    case v1::Value::kStr:
      return v.str();
    case v1::Value::kBytes:
      return v.bytes();
    case v1::Value::kInt:
      return absl::StrCat(v.int_());
    case v1::Value::kFloat: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.float_());
      std::string text(buf, end);
      // A float that prints as an integer gets ".0", as Python's json.dumps writes it.
      if (text.find_first_not_of("-0123456789") == std::string::npos) text += ".0";
      return text;
    }
    case v1::Value::kBool:
      return v.bool_() ? "true" : "false";
    case v1::Value::KIND_NOT_SET:
      return std::nullopt;
    default:
      return JsonText(ValueToJson(v));
  }
}

absl::StatusOr<BagInput> BagInput::Of(absl::string_view op, const OpArgs& args) {
  BagInput in;
  in.op_ = std::string(op);
  absl::StatusOr<RecordSteps> steps = RecordSteps::Parse(op, args.Kwarg("steps"));
  if (!steps.ok()) return steps.status();
  in.steps_ = std::move(*steps);
  auto fail = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("op \"", op, "\": ", what));
  };
  bool records = false;
  if (const v1::Value* read = args.Kwarg("read"); read != nullptr) {
    const auto* items = read->kind_case() == v1::Value::kList ? &read->list().items() : nullptr;
    if (items == nullptr || items->size() != 4 || (*items)[0].kind_case() != v1::Value::kStr ||
        (*items)[1].kind_case() != v1::Value::kStr || (*items)[2].kind_case() != v1::Value::kInt ||
        (*items)[3].kind_case() != v1::Value::kInt) {
      return fail(
          "keyword argument \"read\" must be [format, path, offset, length] (str, str, int, int)");
    }
    const std::string& format = (*items)[0].str();
    if (format != "text" && format != "json") {
      return fail(absl::StrCat("keyword argument \"read\": format \"", format,
                               "\" (expected \"text\" or \"json\")"));
    }
    const std::string& path = (*items)[1].str();
    absl::StatusOr<std::string> text =
        ReadTextRange(op, path, (*items)[2].int_(), (*items)[3].int_());
    if (!text.ok()) return text.status();
    // Text from files is UTF-8: each ill-formed sequence becomes U+FFFD, as the frame readers
    // and Python's errors="replace" make it.
    if (!IsUtf8(*text)) *text = ValidUtf8(*text);
    if (format == "text") {
      in.file_text_ = std::move(*text);
      in.from_file_ = true;
    } else {
      records = true;
      size_t line_no = 0;
      absl::Status bad;
      ForEachLine(*text, [&](absl::string_view line) {
        ++line_no;
        if (!bad.ok()) return;
        size_t b = 0;
        while (b < line.size() && IsSpace(static_cast<unsigned char>(line[b]))) ++b;
        if (b == line.size()) return;  // blank lines hold no record
        absl::StatusOr<v1::Value> record = ParseJsonRecord(line);
        if (!record.ok()) {
          bad =
              fail(absl::StrCat(path, ": line ", line_no, " (of the part at byte ",
                                (*items)[2].int_(), ") is not JSON: ", record.status().message()));
          return;
        }
        in.records_.push_back(std::move(*record));
      });
      if (!bad.ok()) return bad;
    }
  } else {
    if (args.size() < 1) return fail("needs a partition (argument 0) or keyword argument \"read\"");
    const v1::Value& part = args[0];
    in.partition_ = &part;
    if (part.kind_case() == v1::Value::kList) {
      // A list of str/bytes is text; any other item makes it records.
      for (const v1::Value& item : part.list().items()) {
        if (item.kind_case() != v1::Value::kStr && item.kind_case() != v1::Value::kBytes) {
          records = true;
          break;
        }
      }
    } else if (part.kind_case() == v1::Value::kTable) {
      absl::StatusOr<TableView> table = TableView::Of(part);
      if (!table.ok()) return fail(absl::StrCat("argument 0: ", table.status().message()));
      absl::StatusOr<ColumnView> text = table->column(kTextColumn);
      if (!text.ok()) text = table->column(kValueColumn);
      if (!text.ok() || text->dtype() != v1::DTYPE_STRING) {
        return fail(
            "argument 0: a table partition needs a string column \"text\" (or \"value\", as "
            "frequencies give)");
      }
    } else {
      return fail(
          absl::StrCat("argument 0: a partition is a table or a list, got ", KindName(part)));
    }
  }
  in.text_ = !records || in.steps_.pluck().has_value();
  if (records && !in.steps_.pluck() && !in.steps_.empty()) {
    return fail("steps over records that are not text: pluck a field first");
  }
  if (!records && in.steps_.pluck()) {
    return fail(absl::StrCat("pluck \"", *in.steps_.pluck(), "\" over text records"));
  }
  return in;
}

absl::Status BagInput::ForEachText(absl::FunctionRef<void(absl::string_view)> sink) {
  if (!text_)
    return absl::InvalidArgumentError(absl::StrCat("op \"", op_, "\": needs text records"));
  RecordSteps::Sink out = sink;
  if (from_file_) {
    ForEachLine(file_text_, [&](absl::string_view line) { steps_.Run(line, out); });
    return absl::OkStatus();
  }
  auto each_value = [&](const v1::Value& item) {
    if (steps_.pluck()) {
      std::optional<std::string> text = PluckText(item, *steps_.pluck());
      if (text) steps_.Run(*text, out);
    } else {
      steps_.Run(item.kind_case() == v1::Value::kStr ? item.str() : item.bytes(), out);
    }
  };
  if (!records_.empty() || partition_ == nullptr) {
    for (const v1::Value& r : records_) each_value(r);
    return absl::OkStatus();
  }
  if (partition_->kind_case() == v1::Value::kList) {
    for (const v1::Value& item : partition_->list().items()) each_value(item);
    return absl::OkStatus();
  }
  absl::StatusOr<TableView> table = TableView::Of(*partition_);
  if (!table.ok()) return table.status();
  absl::StatusOr<ColumnView> column = table->column(kTextColumn);
  if (!column.ok()) column = table->column(kValueColumn);
  if (!column.ok()) return column.status();
  for (uint64_t i = 0; i < column->size(); ++i) steps_.Run(column->String(i), out);
  return absl::OkStatus();
}

absl::Status BagInput::ForEachValue(absl::FunctionRef<void(const v1::Value&)> sink) {
  if (text_) return absl::InvalidArgumentError(absl::StrCat("op \"", op_, "\": needs records"));
  if (partition_ != nullptr) {
    for (const v1::Value& item : partition_->list().items()) sink(item);
  } else {
    for (const v1::Value& r : records_) sink(r);
  }
  return absl::OkStatus();
}

}  // namespace brisk
