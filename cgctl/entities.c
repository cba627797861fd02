/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The entity list as columns (see entities.h). With a thousand entities the
 * records of ListEntities() cost cgctl a dictionary entry, a variant and a
 * key copy per value; the columns of ListEntityColumns() are read in place,
 * a number column in one step. */

#include <stdlib.h>

#include "cgctl.h"
#include "entities.h"
#include "macro.h"
#include "size.h"
#include "table.h"

enum {
        COL_SLICE,
        COL_SERVICE,
        COL_MEMORY_CURRENT,
        COL_PERSISTENT,
        COL_INSTANCES_CURRENT,
        COL_INSTANCES,
        COL_RESTARTS,
        COL_DYING_DESCENDANTS,
        COL_DYING_MEMCGS,
        COL_PENDING,
        COL_DRAINED_TOTAL,
        COL_CONFIGURED,
        COL_RETIRING,
        COL_CREATED_USEC,
        COL_PROACTIVE_RECLAIMED,
        COL_LEFTOVER_BYTES,
        _COL_MAX,
};

/* In the order of the records of ListEntities(), which --json keeps. known:
 * UINT64_MAX stands for "unknown" and is left out. */
static const struct {
        const char *key;
        char type; /* of the column's elements */
        bool known;
} columns[_COL_MAX] = {
        [COL_SLICE] = { "slice", 's', false },
        [COL_SERVICE] = { "service", 's', false },
        [COL_MEMORY_CURRENT] = { "memory_current", 't', true },
        [COL_PERSISTENT] = { "persistent", 't', true },
        [COL_INSTANCES_CURRENT] = { "instances_current", 't', false },
        [COL_INSTANCES] = { "instances", 'u', false },
        [COL_RESTARTS] = { "restarts", 't', false },
        [COL_DYING_DESCENDANTS] = { "dying_descendants", 't', true },
        [COL_DYING_MEMCGS] = { "dying_memcgs", 't', true },
        [COL_PENDING] = { "pending", 'b', false },
        [COL_DRAINED_TOTAL] = { "drained_total", 't', false },
        [COL_CONFIGURED] = { "configured", 'b', false },
        [COL_RETIRING] = { "retiring", 'b', false },
        [COL_CREATED_USEC] = { "created_usec", 't', false },
        /* Known: a daemon from before it leaves it out. */
        [COL_PROACTIVE_RECLAIMED] = { "proactive_reclaimed", 't', true },
        /* Unknown before the daemon's first scan of leftovers. */
        [COL_LEFTOVER_BYTES] = { "leftover_bytes", 't', true },
};

static uint64_t **u64_column(EntityColumns *c, unsigned col) {
        switch (col) {
        case COL_MEMORY_CURRENT:
                return &c->memory_current;
        case COL_PERSISTENT:
                return &c->persistent;
        case COL_INSTANCES_CURRENT:
                return &c->instances_current;
        case COL_INSTANCES:
                return &c->instances;
        case COL_RESTARTS:
                return &c->restarts;
        case COL_DYING_DESCENDANTS:
                return &c->dying_descendants;
        case COL_DYING_MEMCGS:
                return &c->dying_memcgs;
        case COL_DRAINED_TOTAL:
                return &c->drained_total;
        case COL_CREATED_USEC:
                return &c->created_usec;
        case COL_PROACTIVE_RECLAIMED:
                return &c->proactive_reclaimed;
        case COL_LEFTOVER_BYTES:
                return &c->leftover_bytes;
        default:
                return NULL;
        }
}

static bool **bool_column(EntityColumns *c, unsigned col) {
        return col == COL_PENDING       ? &c->pending
                : col == COL_CONFIGURED ? &c->configured
                : col == COL_RETIRING   ? &c->retiring
                                        : NULL;
}

static const char ***str_column(EntityColumns *c, unsigned col) {
        return col == COL_SLICE ? &c->slice : col == COL_SERVICE ? &c->service : NULL;
}

void entity_columns_done(EntityColumns *c) {
        if (!c)
                return;
        for (unsigned col = 0; col < _COL_MAX; col++) {
                uint64_t **u = u64_column(c, col);
                bool **b = bool_column(c, col);
                const char ***s = str_column(c, col);

                if (u)
                        free(*u);
                if (b)
                        free(*b);
                if (s)
                        free((void *) *s);
        }
        free(c->order);
        sd_bus_message_unref(c->reply);
        value_done(&c->records);
        *c = (EntityColumns){};
}

/* Every column of n rows, zeroed, strings NULL. */
static int alloc_columns(EntityColumns *c, size_t n) {
        size_t rows = MAX(n, (size_t) 1);

        c->n = n;
        for (unsigned col = 0; col < _COL_MAX; col++) {
                uint64_t **u = u64_column(c, col);
                bool **b = bool_column(c, col);
                const char ***s = str_column(c, col);

                if (u && !(*u = calloc(rows, sizeof **u)))
                        return -ENOMEM;
                if (b && !(*b = calloc(rows, sizeof **b)))
                        return -ENOMEM;
                if (s && !(*s = calloc(rows, sizeof **s)))
                        return -ENOMEM;
        }
        return 0;
}

static int cmp_slice(const void *a, const void *b, void *userdata) {
        const char **slice = userdata;
        const char *x = slice[*(const size_t *) a], *y = slice[*(const size_t *) b];

        return strcmp(x ?: "", y ?: "");
}

static int sort_rows(EntityColumns *c) {
        c->order = calloc(MAX(c->n, (size_t) 1), sizeof *c->order);
        if (!c->order)
                return -ENOMEM;
        for (size_t i = 0; i < c->n; i++)
                c->order[i] = i;
        /* The daemon keeps its entities sorted: check, do not sort again. */
        for (size_t i = 1; i < c->n; i++)
                if (cmp_slice(&c->order[i - 1], &c->order[i], c->slice) > 0) {
                        qsort_r(c->order, c->n, sizeof *c->order, cmp_slice, c->slice);
                        break;
                }
        return 0;
}

/* The number of elements of the array column m is at (inside its variant),
 * without moving: the first column sets the row count. */
static int read_column(sd_bus_message *m, EntityColumns *c, unsigned col, bool *sized) {
        const char contents[2] = { columns[col].type, 0 };
        char type = columns[col].type;
        size_t count = 0;
        int r;

        if (type == 't' || type == 'u') {
                const void *p;
                size_t size, elem = type == 't' ? sizeof(uint64_t) : sizeof(uint32_t);

                r = sd_bus_message_read_array(m, type, &p, &size);
                if (r < 0)
                        return r;
                count = size / elem;
                if (!*sized) {
                        r = alloc_columns(c, count);
                        if (r < 0)
                                return r;
                        *sized = true;
                }
                if (count != c->n)
                        return -EBADMSG;
                uint64_t *dst = *u64_column(c, col);
                if (type == 't')
                        memcpy(dst, p, size);
                else
                        for (size_t i = 0; i < count; i++)
                                dst[i] = ((const uint32_t *) p)[i];
                return 0;
        }

        if (type == 'b' && *sized) {
                /* Booleans are 32-bit on the wire: the whole array at once. */
                const int32_t *p;
                size_t size;

                r = sd_bus_message_read_array(m, 'b', (const void **) &p, &size);
                if (r < 0)
                        return r;
                if (size / sizeof *p != c->n)
                        return -EBADMSG;
                bool *dst = *bool_column(c, col);
                for (size_t i = 0; i < c->n; i++)
                        dst[i] = p[i] != 0;
                return 0;
        }

        /* Strings, one by one: read them into place once the row count is
         * known; the first column of a reply is "slice". */
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        for (;;) {
                union {
                        const char *s;
                        int b;
                } x;

                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (!*sized) {
                        /* Grow while reading the first column. */
                        const char **s = realloc(c->slice, (count + 1) * sizeof *s);
                        if (!s)
                                return -ENOMEM;
                        c->slice = s;
                        if (type != 's' || col != COL_SLICE)
                                return -EBADMSG;
                        c->slice[count++] = x.s;
                        continue;
                }
                if (count >= c->n)
                        return -EBADMSG;
                if (type == 's')
                        (*str_column(c, col))[count] = isempty(x.s) ? NULL : x.s;
                else
                        (*bool_column(c, col))[count] = x.b;
                count++;
        }
        if (!*sized) {
                /* The slices read so far become the column. */
                const char **slice = TAKE_PTR(c->slice);

                r = alloc_columns(c, count);
                if (r < 0) {
                        free(slice);
                        return r;
                }
                if (count > 0)
                        memcpy(c->slice, slice, count * sizeof *slice);
                free(slice);
                for (size_t i = 0; i < count; i++)
                        if (isempty(c->slice[i]))
                                c->slice[i] = NULL;
                *sized = true;
        }
        if (count != c->n)
                return -EBADMSG;
        return sd_bus_message_exit_container(m);
}

int entity_columns_from_reply(sd_bus_message *reply, EntityColumns *ret) {
        _cleanup_(entity_columns_done) EntityColumns c = {};
        bool seen[_COL_MAX] = {}, sized = false;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        for (;;) {
                const char *key, *contents;
                unsigned col;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                for (col = 0; col < _COL_MAX; col++)
                        if (streq(columns[col].key, key))
                                break;
                /* A key of a later version, or of a type this cgctl does not
                 * know: passed over. */
                if (col == _COL_MAX || seen[col] || strlen(contents) != 2 || contents[0] != 'a' ||
                    contents[1] != columns[col].type) {
                        r = sd_bus_message_skip(reply, "v");
                        if (r < 0)
                                return r;
                } else {
                        r = sd_bus_message_enter_container(reply, 'v', contents);
                        if (r <= 0)
                                return r < 0 ? r : -EBADMSG;
                        r = read_column(reply, &c, col, &sized);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                return r;
                        seen[col] = true;
                }
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        /* Slices come first: every row needs one. */
        if (!seen[COL_SLICE])
                return -EBADMSG;
        for (unsigned col = 0; col < _COL_MAX; col++)
                if (!seen[col]) {
                        uint64_t **u = u64_column(&c, col);
                        bool **b = bool_column(&c, col);

                        /* Missing: unknown, or its default. */
                        for (size_t i = 0; u && i < c.n; i++)
                                (*u)[i] = UINT64_MAX;
                        for (size_t i = 0; b && i < c.n; i++)
                                (*b)[i] = col == COL_CONFIGURED;
                }
        for (size_t i = 0; i < c.n; i++)
                if (!c.slice[i])
                        return -EBADMSG;
        r = sort_rows(&c);
        if (r < 0)
                return r;
        c.reply = sd_bus_message_ref(reply);
        *ret = c;
        c = (EntityColumns){};
        return 0;
}

int entity_columns_from_records(Value *records, EntityColumns *ret) {
        _cleanup_(entity_columns_done) EntityColumns c = {};
        int r;

        if (records->type != VALUE_ARRAY)
                return -EBADMSG;
        r = alloc_columns(&c, records->n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < records->n; i++) {
                const Value *e = &records->items[i];

                for (unsigned col = 0; col < _COL_MAX; col++) {
                        uint64_t **u = u64_column(&c, col);
                        bool **b = bool_column(&c, col);
                        const char ***s = str_column(&c, col);

                        if (u && !value_get_u64(e, columns[col].key, &(*u)[i]))
                                (*u)[i] = UINT64_MAX;
                        if (b)
                                (*b)[i] = value_get_bool(e, columns[col].key, col == COL_CONFIGURED);
                        if (s)
                                (*s)[i] = value_get_str(e, columns[col].key);
                }
        }
        r = sort_rows(&c);
        if (r < 0)
                return r;
        c.records = *records;
        *records = (Value){};
        *ret = c;
        c = (EntityColumns){};
        return 0;
}

static void json_uint(JsonWriter *w, uint64_t v) {
        /* As value_to_json(): the API's "no limit". */
        if (v == UINT64_MAX)
                json_null(w);
        else
                json_u64(w, v);
}

void entity_columns_to_json(const EntityColumns *c, JsonWriter *w) {
        json_begin_array(w);
        for (size_t k = 0; k < c->n; k++) {
                size_t i = c->order[k];

                json_begin_object(w);
                for (unsigned col = 0; col < _COL_MAX; col++) {
                        EntityColumns *cc = (EntityColumns *) c;
                        uint64_t **u = u64_column(cc, col);
                        bool **b = bool_column(cc, col);
                        const char ***s = str_column(cc, col);

                        if (s && !(*s)[i])
                                continue;
                        if (u && columns[col].known && (*u)[i] == UINT64_MAX)
                                continue;
                        json_key(w, columns[col].key);
                        if (s)
                                json_string(w, (*s)[i]);
                        else if (u)
                                json_uint(w, (*u)[i]);
                        else
                                json_bool(w, (*b)[i]);
                }
                json_end_object(w);
        }
        json_end_array(w);
}

static const char *entity_state(char buf[static CGCTL_FMT_MAX], const EntityColumns *c, size_t i) {
        bool pending = c->pending[i], retiring = c->retiring[i], configured = c->configured[i];

        if (!pending && !retiring && configured)
                return "ok";
        snprintf(buf, CGCTL_FMT_MAX, "%s%s%s%s%s", pending ? "pending" : "",
                 pending && (retiring || !configured) ? "," : "", retiring ? "retiring" : "",
                 retiring && !configured ? "," : "", configured ? "" : "unconfigured");
        return buf;
}

/* "-" for unknown. */
static const char *col_size(char buf[static CGCTL_FMT_MAX], uint64_t v) {
        return v == UINT64_MAX ? "-" : format_bytes(buf, CGCTL_FMT_MAX, v);
}

static const char *col_u64(char buf[static CGCTL_FMT_MAX], uint64_t v) {
        return v == UINT64_MAX ? "-" : format_u64(buf, CGCTL_FMT_MAX, v);
}

int entity_columns_print_table(const EntityColumns *c, FILE *f, size_t width) {
        static const char *const headers[] = {
                "ENTITY",   "SERVICE", "MEMORY", "PERSISTENT", "INST",
                "RESTARTS", "DYING",   "LEFT",   "DRAINED",    "STATE",
        };
        _cleanup_(table_freep) Table *t = table_new(ELEMENTSOF(headers), headers);
        int r;

        if (!t)
                return -ENOMEM;
        for (size_t col = 2; col < 9; col++)
                table_set_right(t, col);
        for (size_t k = 0; k < c->n; k++) {
                size_t i = c->order[k];
                char mem[CGCTL_FMT_MAX], pers[CGCTL_FMT_MAX], inst[CGCTL_FMT_MAX], rest[CGCTL_FMT_MAX],
                        dying[CGCTL_FMT_MAX], left[CGCTL_FMT_MAX], drained[CGCTL_FMT_MAX],
                        state[CGCTL_FMT_MAX];
                const char *cells[] = {
                        c->slice[i],
                        c->service[i],
                        col_size(mem, c->memory_current[i]),
                        col_size(pers, c->persistent[i]),
                        col_u64(inst, c->instances[i]),
                        col_u64(rest, c->restarts[i]),
                        col_u64(dying, c->dying_descendants[i]),
                        col_size(left, c->leftover_bytes[i]),
                        col_size(drained, c->drained_total[i]),
                        entity_state(state, c, i),
                };
                r = table_add_row(t, cells);
                if (r < 0)
                        return r;
        }
        return table_print(t, f, width);
}
