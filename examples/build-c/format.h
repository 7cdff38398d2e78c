/* Printing a labelled number. */
#ifndef FORMAT_H
#define FORMAT_H

void format_line(const char* label, double value);

#endif
