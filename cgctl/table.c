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

struct Table {
        size_t n_columns;
        char **cells; /* row-major, the header first */
        size_t n_rows; /* header included */
        size_t n_rows_allocated;
        bool *right;
};

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
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->right);
        free(t);
        return NULL;
}

void table_set_right(Table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

int table_add_row(Table *t, const char *const *cells) {
        char **c;

        if (t->n_rows == t->n_rows_allocated) {
                size_t a = MAX(t->n_rows_allocated * 2, (size_t) 16);

                c = realloc(t->cells, a * t->n_columns * sizeof *c);
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->n_rows_allocated = a;
        }
        c = t->cells + t->n_rows * t->n_columns;
        for (size_t i = 0; i < t->n_columns; i++) {
                c[i] = strdup(cells[i] ?: "-");
                if (!c[i]) {
                        while (i > 0)
                                free(c[--i]);
                        return -ENOMEM;
                }
        }
        t->n_rows++;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_rows - 1;
}

/* Display columns of s: code points (cgctl prints names and numbers, no
 * double-width text). */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

static void pad(FILE *f, size_t n) {
        static const char spaces[] = "                                ";

        for (; n > 0; n -= MIN(n, sizeof spaces - 1))
                fwrite(spaces, 1, MIN(n, sizeof spaces - 1), f);
}

/* Prints s in exactly width columns: cut with "..." or padded. Plain fwrite()
 * and padding, no format strings: a table of a thousand entities is nine
 * thousand cells. */
static void print_cell(FILE *f, const char *s, size_t width, bool right, bool last) {
        size_t w = text_width(s);

        if (w > width) {
                size_t keep = width > strlen(ELLIPSIS) ? width - strlen(ELLIPSIS) : 0, bytes = 0;

                /* Cut on a code point boundary. */
                for (size_t cols = 0; s[bytes] && cols < keep; cols++) {
                        bytes++;
                        while (((unsigned char) s[bytes] & 0xc0) == 0x80)
                                bytes++;
                }
                fwrite(s, 1, bytes, f);
                fwrite(ELLIPSIS, 1, width - keep, f);
                return;
        }
        if (right)
                pad(f, width - w);
        fputs(s, f);
        if (!right && !last)
                pad(f, width - w);
}

int table_print(const Table *t, FILE *f, size_t width) {
        _cleanup_free_ size_t *w = calloc(t->n_columns, sizeof *w);
        size_t total = 0;

        if (!w)
                return -ENOMEM;
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++)
                        w[c] = MAX(w[c], text_width(t->cells[r * t->n_columns + c]));
        for (size_t c = 0; c < t->n_columns; c++)
                total += w[c] + (c > 0 ? COLUMN_GAP : 0);

        /* Too wide: cut the widest text column down, then the next. */
        while (width > 0 && total > width) {
                size_t widest = SIZE_MAX, floor;

                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t min = MAX(text_width(t->cells[c]), (size_t) COLUMN_MIN);
                        if (t->right[c] || w[c] <= min)
                                continue;
                        if (widest == SIZE_MAX || w[c] > w[widest])
                                widest = c;
                }
                if (widest == SIZE_MAX)
                        break; /* nothing left to cut: let the terminal wrap */
                floor = MAX(text_width(t->cells[widest]), (size_t) COLUMN_MIN);
                size_t cut = MIN(total - width, w[widest] - floor);
                w[widest] -= cut;
                total -= cut;
        }

        for (size_t r = 0; r < t->n_rows; r++) {
                for (size_t c = 0; c < t->n_columns; c++) {
                        if (c > 0)
                                pad(f, COLUMN_GAP);
                        print_cell(f, t->cells[r * t->n_columns + c], w[c], t->right[c],
                                   c == t->n_columns - 1);
                }
                fputc('\n', f);
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
