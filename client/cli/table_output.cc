#include "client/cli/table_output.h"

#include <cmath>
#include <iostream>
#include <string>

#include "nlohmann/json.hpp"
#include "worker/frame/csv_table.h"

namespace brisk {
namespace {

// A cell as JSON: numbers as numbers (NaN and infinities as null), strings, bools, null.
nlohmann::ordered_json Cell(const ColumnView& c, uint64_t r) {
  if (c.IsNull(r)) return nullptr;
  switch (c.dtype()) {
    case v1::DTYPE_STRING:
      return std::string(c.String(r));
    case v1::DTYPE_BOOL:
      return c.values<bool>().value()[r];
    case v1::DTYPE_INT64:
      return c.values<int64_t>().value()[r];
    case v1::DTYPE_UINT64:
      return c.values<uint64_t>().value()[r];
    case v1::DTYPE_FLOAT32:
    case v1::DTYPE_FLOAT64: {
      const double v = c.AsDouble(r);
      if (!std::isfinite(v)) return nullptr;
      return v;
    }
    default:
      return static_cast<int64_t>(c.AsDouble(r));
  }
}

}  // namespace

void PrintTableCsv(const TableView& table) { std::cout << TableToCsv(table); }

void PrintTableJson(const TableView& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (uint64_t r = 0; r < table.num_rows(); ++r) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    for (const ColumnView& c : table.columns()) row[c.name()] = Cell(c, r);
    rows.push_back(std::move(row));
  }
  std::cout << rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace brisk
