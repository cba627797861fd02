/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "value.h"

/* Replies are at most a few levels deep; a deeper one is not ours. */
#define VALUE_DEPTH_MAX 16

void value_done(Value *v) {
        if (!v)
                return;
        free(v->s);
        for (size_t i = 0; i < v->n; i++) {
                value_done(&v->items[i]);
                if (v->keys)
                        free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
        *v = (Value){};
}

static int push(Value *parent, const char *key, Value *child) {
        /* Doubling: a list of a thousand entities is a thousand pushes. */
        if (parent->n == parent->n_allocated) {
                size_t a = MAX(parent->n_allocated * 2, (size_t) 8);
                Value *items = realloc(parent->items, a * sizeof *items);

                if (!items)
                        return -ENOMEM;
                parent->items = items;
                if (parent->type == VALUE_OBJECT) {
                        char **keys = realloc(parent->keys, a * sizeof *keys);
                        if (!keys)
                                return -ENOMEM;
                        parent->keys = keys;
                }
                parent->n_allocated = a;
        }
        if (parent->type == VALUE_OBJECT) {
                parent->keys[parent->n] = strdup(key ?: "");
                if (!parent->keys[parent->n])
                        return -ENOMEM;
        }
        parent->items[parent->n++] = *child;
        *child = (Value){};
        return 0;
}

static int read_basic(sd_bus_message *m, char type, Value *ret) {
        union {
                uint8_t y;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                int b;
                const char *s;
        } x;
        Value v = {};
        int r;

        r = sd_bus_message_read_basic(m, type, &x);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case 'y':
                v = (Value){ .type = VALUE_UINT, .u = x.y };
                break;
        case 'q':
                v = (Value){ .type = VALUE_UINT, .u = x.q };
                break;
        case 'u':
                v = (Value){ .type = VALUE_UINT, .u = x.u };
                break;
        case 't':
                v = (Value){ .type = VALUE_UINT, .u = x.t };
                break;
        case 'n':
                v = (Value){ .type = VALUE_INT, .i = x.n };
                break;
        case 'i':
        case 'h':
                v = (Value){ .type = VALUE_INT, .i = x.i };
                break;
        case 'x':
                v = (Value){ .type = VALUE_INT, .i = x.x };
                break;
        case 'd':
                v = (Value){ .type = VALUE_DOUBLE, .d = x.d };
                break;
        case 'b':
                v = (Value){ .type = VALUE_BOOL, .b = x.b };
                break;
        case 's':
        case 'o':
        case 'g':
                v = (Value){ .type = VALUE_STRING, .s = strdup(x.s) };
                if (!v.s)
                        return -ENOMEM;
                break;
        default:
                return -EBADMSG;
        }
        *ret = v;
        return 0;
}

static int read_value(sd_bus_message *m, Value *ret, unsigned depth);

/* Elements of the container m is in, until its end. */
static int read_elements(sd_bus_message *m, Value *parent, bool dict, unsigned depth) {
        int r;

        for (;;) {
                _cleanup_(value_done) Value key = {}, child = {};
                const char *contents;
                char type;

                r = sd_bus_message_peek_type(m, &type, &contents);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
                if (!dict) {
                        r = read_value(m, &child, depth + 1);
                        if (r < 0)
                                return r;
                        r = push(parent, NULL, &child);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, contents);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                r = read_value(m, &key, depth + 1);
                if (r < 0)
                        return r;
                r = read_value(m, &child, depth + 1);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                if (key.type != VALUE_STRING)
                        return -EBADMSG; /* cgpersist's dictionaries have string keys */
                r = push(parent, key.s, &child);
                if (r < 0)
                        return r;
        }
}

static int read_value(sd_bus_message *m, Value *ret, unsigned depth) {
        _cleanup_(value_done) Value v = {};
        const char *contents;
        char type;
        int r;

        if (depth > VALUE_DEPTH_MAX)
                return -EBADMSG;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO; /* nothing left */

        switch (type) {
        case SD_BUS_TYPE_VARIANT:
                r = sd_bus_message_enter_container(m, type, contents);
                if (r < 0)
                        return r;
                r = read_value(m, &v, depth + 1);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                break;
        case SD_BUS_TYPE_ARRAY:
        case SD_BUS_TYPE_STRUCT: {
                bool dict = type == SD_BUS_TYPE_ARRAY && contents[0] == '{';

                v.type = dict ? VALUE_OBJECT : VALUE_ARRAY;
                r = sd_bus_message_enter_container(m, type, contents);
                if (r < 0)
                        return r;
                r = read_elements(m, &v, dict, depth);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                break;
        }
        default:
                r = read_basic(m, type, &v);
        }
        if (r < 0)
                return r;
        *ret = v;
        v = (Value){};
        return 0;
}

int value_read(sd_bus_message *m, Value *ret) {
        return read_value(m, ret, 0);
}

const Value *value_get(const Value *object, const char *key) {
        if (!object || object->type != VALUE_OBJECT)
                return NULL;
        for (size_t i = 0; i < object->n; i++)
                if (streq(object->keys[i], key))
                        return &object->items[i];
        return NULL;
}

const char *value_get_str(const Value *object, const char *key) {
        const Value *v = value_get(object, key);
        return v && v->type == VALUE_STRING ? v->s : NULL;
}

bool value_get_u64(const Value *object, const char *key, uint64_t *ret) {
        const Value *v = value_get(object, key);

        if (!v)
                return false;
        if (v->type == VALUE_UINT)
                *ret = v->u;
        else if (v->type == VALUE_INT && v->i >= 0)
                *ret = (uint64_t) v->i;
        else
                return false;
        return true;
}

bool value_get_bool(const Value *object, const char *key, bool def) {
        const Value *v = value_get(object, key);
        return v && v->type == VALUE_BOOL ? v->b : def;
}

/* Keys of the API that another command's output names otherwise: one name
 * for one thing in all of --json. */
static const struct {
        const char *api, *json;
} json_renames[] = {
        { "peak", "memory_peak" }, /* history: memory.peak of the instance */
        { "before", "memory_before" }, /* drain: memory.current */
        { "after", "memory_after" },
};

const char *value_json_key(const char *key, char buf[static VALUE_JSON_KEY_MAX]) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(json_renames); i++)
                if (streq(key, json_renames[i].api))
                        return json_renames[i].json;
        /* D-Bus properties are CamelCase ("ConfigGood"): config_good. */
        if (!(key[0] >= 'A' && key[0] <= 'Z'))
                return key;
        for (const char *c = key; *c && n + 2 < VALUE_JSON_KEY_MAX; c++) {
                if (*c >= 'A' && *c <= 'Z') {
                        if (c != key)
                                buf[n++] = '_';
                        buf[n++] = (char) (*c - 'A' + 'a');
                } else
                        buf[n++] = *c;
        }
        buf[n] = 0;
        return buf;
}

void value_to_json(const Value *v, JsonWriter *w) {
        switch (v->type) {
        case VALUE_NULL:
                json_null(w);
                break;
        case VALUE_BOOL:
                json_bool(w, v->b);
                break;
        case VALUE_INT:
                json_i64(w, v->i);
                break;
        case VALUE_UINT:
                if (v->u == UINT64_MAX)
                        json_null(w);
                else
                        json_u64(w, v->u);
                break;
        case VALUE_DOUBLE:
                json_double(w, v->d);
                break;
        case VALUE_STRING:
                json_string(w, v->s);
                break;
        case VALUE_ARRAY:
                json_begin_array(w);
                for (size_t i = 0; i < v->n; i++)
                        value_to_json(&v->items[i], w);
                json_end_array(w);
                break;
        case VALUE_OBJECT:
                json_begin_object(w);
                for (size_t i = 0; i < v->n; i++) {
                        char buf[VALUE_JSON_KEY_MAX];

                        json_key(w, value_json_key(v->keys[i], buf));
                        value_to_json(&v->items[i], w);
                }
                json_end_object(w);
                break;
        }
}
