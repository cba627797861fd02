/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl's tables: alignment, and fitting a terminal width by cutting text
 * columns, never numbers. */
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "table.h"
#include "tests.h"

static char *print(Table *t, size_t width) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        CHECK(f);
        CHECK_INT(table_print(t, f, width), 0);
        CHECK_INT(fclose(f), 0);
        return buf;
}

static Table *sample(void) {
        static const char *const headers[] = { "ENTITY", "SERVICE", "MEMORY", "STATE" };
        static const char *const r1[] = { "system-web.slice", "web.service", "80.0M", "ok" };
        static const char *const r2[] = { "system-a-very-long-entity-name.slice", "long.service", "1.5G",
                                          NULL };
        Table *t = table_new(4, headers);

        CHECK(t);
        table_set_right(t, 2);
        CHECK_INT(table_add_row(t, r1), 0);
        CHECK_INT(table_add_row(t, r2), 0);
        CHECK_INT(table_rows(t), 2);
        return t;
}

TEST(table_no_limit) {
        Table *t = sample();
        _cleanup_free_ char *out = print(t, 0);

        CHECK_STR(out,
                  "ENTITY                                SERVICE       MEMORY  STATE\n"
                  "system-web.slice                      web.service    80.0M  ok\n"
                  "system-a-very-long-entity-name.slice  long.service    1.5G  -\n");
        table_free(t);
}

TEST(table_fits_width) {
        Table *t = sample();
        _cleanup_free_ char *out = print(t, 50);
        size_t longest = 0;

        /* The widest text column is cut with "...", numbers stay whole. */
        for (char *l = out, *e; *l; l = e + 1) {
                e = strchr(l, '\n');
                CHECK(e);
                longest = MAX(longest, (size_t) (e - l));
        }
        CHECK_INT(longest, 50);
        CHECK(strstr(out, "system-a-very-long...  long.service    1.5G  -\n"));
        CHECK(strstr(out, "80.0M"));
        table_free(t);
}

TEST(table_too_narrow) {
        /* Nothing more to cut: every text column at its floor (its header or
         * 8 columns); the lines are longer than asked, numbers intact. */
        Table *t = sample();
        _cleanup_free_ char *out = print(t, 10);

        CHECK(strstr(out, "ENTITY    SERVICE   MEMORY  STATE\n"));
        CHECK(strstr(out, "syste...  long....    1.5G  -\n"));
        table_free(t);
}

TEST(table_utf8_cut) {
        /* A cut never splits a UTF-8 sequence. */
        static const char *const headers[] = { "NAME", "N" };
        static const char *const row[] = {
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "1"
        };
        Table *t = table_new(2, headers);
        _cleanup_free_ char *out = NULL;

        CHECK(t);
        table_set_right(t, 1);
        CHECK_INT(table_add_row(t, row), 0);
        out = print(t, 11);
        CHECK(strstr(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...  1\n"));
        table_free(t);
}

TEST(table_free_null) {
        CHECK(table_free(NULL) == NULL);
        CHECK(table_new(0, NULL) == NULL);
}

TEST(table_no_legend) {
        static const char *const headers[] = { "A-LONG-HEADER", "N" };
        static const char *const r1[] = { "x", "12" };
        Table *t = table_new(2, headers);
        char *out;

        CHECK(t);
        table_set_right(t, 1);
        CHECK_INT(table_add_row(t, r1), 0);
        table_set_legend(false);
        out = print(t, 0);
        table_set_legend(true);
        /* no header line, and no column as wide as a header it lacks */
        CHECK_STR(out, "x  12\n");
        free(out);
        table_free(t);
}
