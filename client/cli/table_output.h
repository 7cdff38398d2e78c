// How `brisk frame` and `brisk bag` print a table value with -o csv (a header row, then a row per
// table row, as TableToCsv writes CSV files) and with -o json (one line: a list of records, one
// object per row with the columns in order; numbers as numbers, NaN and infinities as null).
#pragma once

#include "brisk/value.h"

namespace brisk {

void PrintTableCsv(const TableView& table);
void PrintTableJson(const TableView& table);

}  // namespace brisk
