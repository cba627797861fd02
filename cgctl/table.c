/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "macro.h"
#include "table.h"

#define COLUMN_GAP 2
#define ELLIPSIS "..."
/* A cut column keeps at least this much, or its header. */
#define COLUMN_MIN 8

/* A table of a thousand entities is nine thousand cells: they live in one
 * text buffer (offsets, not pointers, as it grows), each with its width worked
 * out once, and a line goes out in one write. */
typedef struct Cell {
        size_t offset, len, width;
} Cell;

struct Table {
        size_t n_columns;
        Cell *cells; /* row-major, the header first */
        size_t n_rows; /* header included */
        size_t n_rows_allocated;
        char *text;
        size_t text_len, text_allocated;
        bool *right;
};

static bool legend = true;

void table_set_legend(bool show) {
        legend = show;
}

bool table_get_legend(void) {
        return legend;
}

Table *table_new(size_t n_columns, const char *const *headers) {
        Table *t;

        if (n_columns == 0)
                return NULL;
        t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->right = calloc(n_columns, sizeof *t->right);
        if (!t->right || table_add_row(t, headers) < 0)
                return table_free(t);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        free(t->cells);
        free(t->text);
        free(t->right);
        free(t);
        return NULL;
}

void table_set_right(Table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

/* Display columns of s: code points (cgctl prints names and numbers, no
 * double-width text). */
static size_t text_width(const char *s, size_t len) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                n += ((unsigned char) s[i] & 0xc0) != 0x80;
        return n;
}

int table_add_row(Table *t, const char *const *cells) {
        size_t need = 0;
        Cell *c;

        if (t->n_rows == t->n_rows_allocated) {
                size_t a = MAX(t->n_rows_allocated * 2, (size_t) 16);

                c = realloc(t->cells, a * t->n_columns * sizeof *c);
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->n_rows_allocated = a;
        }
        for (size_t i = 0; i < t->n_columns; i++)
                need += strlen(cells[i] ?: "-");
        if (t->text_len + need > t->text_allocated) {
                size_t a = MAX(t->text_allocated * 2, t->text_len + need + 256);
                char *x = realloc(t->text, a);

                if (!x)
                        return -ENOMEM;
                t->text = x;
                t->text_allocated = a;
        }
        c = t->cells + t->n_rows * t->n_columns;
        for (size_t i = 0; i < t->n_columns; i++) {
                const char *s = cells[i] ?: "-";

                c[i].offset = t->text_len;
                c[i].len = strlen(s);
                memcpy(t->text + t->text_len, s, c[i].len);
                c[i].width = text_width(s, c[i].len);
                t->text_len += c[i].len;
        }
        t->n_rows++;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_rows - 1;
}

/* Appends s in exactly width columns to line: cut with "..." or padded. */
static char *put_cell(char *line, const char *s, const Cell *cell, size_t width, bool right, bool last) {
        if (cell->width > width) {
                size_t keep = width > strlen(ELLIPSIS) ? width - strlen(ELLIPSIS) : 0, bytes = 0;

                /* Cut on a code point boundary. */
                for (size_t cols = 0; bytes < cell->len && cols < keep; cols++) {
                        bytes++;
                        while (bytes < cell->len && ((unsigned char) s[bytes] & 0xc0) == 0x80)
                                bytes++;
                }
                line = mempcpy(line, s, bytes);
                return mempcpy(line, ELLIPSIS, width - keep);
        }
        if (right) {
                memset(line, ' ', width - cell->width);
                line += width - cell->width;
        }
        line = mempcpy(line, s, cell->len);
        if (!right && !last) {
                memset(line, ' ', width - cell->width);
                line += width - cell->width;
        }
        return line;
}

int table_print(const Table *t, FILE *f, size_t width) {
        _cleanup_free_ size_t *w = calloc(t->n_columns, sizeof *w);
        _cleanup_free_ char *line = NULL;
        size_t total = 0, line_max = 0, first = legend ? 0 : 1;

        if (!w)
                return -ENOMEM;
        for (size_t r = first; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++)
                        w[c] = MAX(w[c], t->cells[r * t->n_columns + c].width);
        for (size_t c = 0; c < t->n_columns; c++)
                total += w[c] + (c > 0 ? COLUMN_GAP : 0);

        /* Too wide: cut the widest text column down, then the next. */
        while (width > 0 && total > width) {
                size_t widest = SIZE_MAX, floor;

                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t min = MAX(legend ? t->cells[c].width : 0, (size_t) COLUMN_MIN);
                        if (t->right[c] || w[c] <= min)
                                continue;
                        if (widest == SIZE_MAX || w[c] > w[widest])
                                widest = c;
                }
                if (widest == SIZE_MAX)
                        break; /* nothing left to cut: let the terminal wrap */
                floor = MAX(legend ? t->cells[widest].width : 0, (size_t) COLUMN_MIN);
                size_t cut = MIN(total - width, w[widest] - floor);
                w[widest] -= cut;
                total -= cut;
        }

        /* A line is at most its padding plus the bytes of its cells (a cell
         * of multi-byte characters takes more bytes than columns). */
        for (size_t r = 0; r < t->n_rows; r++) {
                size_t n = total + 1;

                for (size_t c = 0; c < t->n_columns; c++)
                        n += t->cells[r * t->n_columns + c].len;
                line_max = MAX(line_max, n);
        }
        line = malloc(line_max + strlen(ELLIPSIS) * t->n_columns);
        if (!line)
                return -ENOMEM;

        for (size_t r = first; r < t->n_rows; r++) {
                char *p = line;

                for (size_t c = 0; c < t->n_columns; c++) {
                        const Cell *cell = &t->cells[r * t->n_columns + c];

                        if (c > 0) {
                                memset(p, ' ', COLUMN_GAP);
                                p += COLUMN_GAP;
                        }
                        p = put_cell(p, t->text + cell->offset, cell, w[c], t->right[c],
                                     c == t->n_columns - 1);
                }
                *p++ = '\n';
                fwrite(line, 1, p - line, f);
        }
        return 0;
}

size_t terminal_width(void) {
        const char *e = getenv("COLUMNS");
        struct winsize ws = {};

        if (e) {
                char *end;
                unsigned long v = strtoul(e, &end, 10);
                if (*e && !*end && v > 0 && v < 100000)
                        return (size_t) v;
        }
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}
