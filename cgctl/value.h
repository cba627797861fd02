/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "json.h"

/* A D-Bus reply as a tree, so that the tables and --json are made from the
 * same data: a{sv} and a{s*} become objects, other arrays and structs become
 * arrays, variants are transparent. --json is this tree, written out with
 * the names of cgctl(1)'s JSON vocabulary (value_to_json()). */

typedef enum ValueType {
        VALUE_NULL,
        VALUE_BOOL,
        VALUE_INT,
        VALUE_UINT,
        VALUE_DOUBLE,
        VALUE_STRING,
        VALUE_ARRAY,
        VALUE_OBJECT,
} ValueType;

typedef struct Value {
        ValueType type;
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        char *s;
        struct Value *items; /* array elements, object values */
        char **keys; /* object keys */
        size_t n;
        size_t n_allocated; /* of items (and keys) */
} Value;

void value_done(Value *v);

/* Reads the next complete value (one argument, or one element) of m. */
int value_read(sd_bus_message *m, Value *ret);

const Value *value_get(const Value *object, const char *key);
/* NULL when missing or not a string. */
const char *value_get_str(const Value *object, const char *key);
/* false when missing or not a number. */
bool value_get_u64(const Value *object, const char *key, uint64_t *ret);
bool value_get_bool(const Value *object, const char *key, bool def);

/* The JSON vocabulary of cgctl(1) (schema CGCTL_JSON_SCHEMA): the API's keys
 * in snake_case (D-Bus properties such as "ConfigGood" become "config_good"),
 * and the few keys that name one thing differently across replies renamed
 * ("peak" of history is "memory_peak", as in status). Returns key, a
 * constant, or buf. */
#define VALUE_JSON_KEY_MAX 64
const char *value_json_key(const char *key, char buf[static VALUE_JSON_KEY_MAX]);

/* Written with value_json_key()'s names. Unsigned UINT64_MAX is null: it is
 * how the API says "no limit", and no other value of the API reaches it. */
void value_to_json(const Value *v, JsonWriter *w);
