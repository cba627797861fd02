/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <systemd/sd-bus.h>

#include "json.h"
#include "value.h"

/* Every entity, as columns: row i of each column is entity i, in the
 * daemon's order; order[] lists the rows sorted by slice, as the tables and
 * --json show them. Read from ListEntityColumns(), or, from a daemon that
 * lacks that call, made from the records of ListEntities(). A measured value
 * that is unknown is UINT64_MAX, an unknown string NULL: --json leaves them
 * out, as the records do, so its output is the same either way. */
typedef struct EntityColumns {
        size_t n;
        const char **slice, **service; /* point into reply or records */
        uint64_t *memory_current, *persistent, *instances_current, *instances, *restarts, *dying_descendants,
                *dying_memcgs, *drained_total, *created_usec, *proactive_reclaimed, *leftover_bytes;
        bool *pending, *configured, *retiring;
        size_t *order;

        sd_bus_message *reply;
        Value records;
} EntityColumns;

void entity_columns_done(EntityColumns *c);

/* From a reply of ListEntityColumns() (takes a reference on it), or from the
 * records of ListEntities() (takes them over). 0 or a negative errno
 * (-EBADMSG: not what the API promises). */
int entity_columns_from_reply(sd_bus_message *reply, EntityColumns *ret);
int entity_columns_from_records(Value *records, EntityColumns *ret);

/* The entities as ListEntities() would give them, sorted by slice: an array
 * of objects. */
void entity_columns_to_json(const EntityColumns *c, JsonWriter *w);

/* The table of list and plain status, sorted by slice: ENTITY, SERVICE,
 * MEMORY, PERSISTENT, INST, RESTARTS, DYING, LEFT (what dead instances left
 * at cgpersistd's last scan), DRAINED, STATE; "-" for what is unknown.
 * width as table_print(). 0 or a negative errno. */
int entity_columns_print_table(const EntityColumns *c, FILE *f, size_t width);
