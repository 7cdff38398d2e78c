#include "format.h"

#include <stdio.h>

void format_line(const char* label, double value) { printf("%-8s %10.4f\n", label, value); }
