/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Aligned columns under a header, made to fit the terminal: when too wide,
 * the widest text (left-aligned) columns are cut, with "...", never the
 * numbers. Not a terminal: nothing is cut (scripts get everything, or should
 * use --json). */

typedef struct Table Table;

Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}

/* Right-aligned columns are never cut; use them for numbers and sizes. */
void table_set_right(Table *t, size_t column);
/* n_columns cells; NULL prints as "-". Copied. */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);

/* Whether table_print() writes the header line (cgctl --no-legend: not).
 * One setting for the whole program, as the terminal's width is. */
void table_set_legend(bool show);
bool table_get_legend(void);

/* width: the most columns a line may take, 0 for no limit. */
int table_print(const Table *t, FILE *f, size_t width);

/* The terminal width of stdout: $COLUMNS if set, the tty's width, or 0 when
 * stdout is not a terminal. */
size_t terminal_width(void);
