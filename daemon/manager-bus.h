/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the files of the org.cgpersist1 adapter: manager-bus.c (access,
 * changing methods, properties, signals) and manager-bus-read.c (the read
 * methods and the records they reply with). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "macro.h"
#include "manager.h"

/* Userdata of the vtable slot (m->bus_vtable), freed with it. */
typedef struct Bus {
        Manager *manager;
} Bus;

static inline void strv_freep_local(char ***l) {
        strv_free(*l);
}

static inline bool endswith(const char *s, const char *suffix) {
        size_t l = strlen(s), n = strlen(suffix);
        return l >= n && streq(s + l - n, suffix);
}

/* Reply dictionaries (a{sv}): one key and its value. */
static inline int kv_s(sd_bus_message *r, const char *key, const char *v) {
        if (!v)
                return 0; /* unknown: left out */
        return sd_bus_message_append(r, "{sv}", key, "s", v);
}

static inline int kv_t(sd_bus_message *r, const char *key, uint64_t v) {
        return sd_bus_message_append(r, "{sv}", key, "t", v);
}

/* A measured value: UINT64_MAX means unknown and is left out. */
static inline int kv_t_known(sd_bus_message *r, const char *key, uint64_t v) {
        if (v == UINT64_MAX)
                return 0;
        return kv_t(r, key, v);
}

static inline int kv_u(sd_bus_message *r, const char *key, uint32_t v) {
        return sd_bus_message_append(r, "{sv}", key, "u", v);
}

static inline int kv_b(sd_bus_message *r, const char *key, bool v) {
        return sd_bus_message_append(r, "{sv}", key, "b", (int) v);
}

static inline int open_kv(sd_bus_message *r, const char *key, const char *contents) {
        int q;

        q = sd_bus_message_open_container(r, 'e', "sv");
        if (q < 0)
                return q;
        q = sd_bus_message_append(r, "s", key);
        if (q < 0)
                return q;
        return sd_bus_message_open_container(r, 'v', contents);
}

static inline int close_kv(sd_bus_message *r) {
        int q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return sd_bus_message_close_container(r);
}

/* A key whose value is a dictionary (a{sv}): open_dict(), its keys, then
 * close_dict() with the status so far. */
static inline int open_dict(sd_bus_message *r, const char *key) {
        int q = open_kv(r, key, "a{sv}");

        return q < 0 ? q : sd_bus_message_open_container(r, 'a', "{sv}");
}

static inline int close_dict(sd_bus_message *r, int q) {
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        return q < 0 ? q : close_kv(r);
}

/* Closes the reply's outermost container and sends it, unless r says
 * building it failed. */
static inline int close_and_send(sd_bus_message *reply, int r) {
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* Reads a name argument and finds its entity; an error reply names the
 * argument otherwise. */
int bus_read_entity_arg(Manager *m, sd_bus_message *msg, const char **ret_name, EntityState **ret,
                        sd_bus_error *error);

/* manager-bus-read.c: open to every caller. */
int bus_method_list_entities(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_list_entity_columns(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_entity(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error);
