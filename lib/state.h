/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The daemon's memory of entities and their instances, kept in
 * /var/lib/cgpersist/state (versioned text, written atomically). A history is
 * bounded per entity (the oldest records go first). */

#define STATE_FORMAT_VERSION 1
#define STATE_HISTORY_MAX 64

typedef struct InstanceRecord {
        char *unit;              /* "web.service", "foo@a.service" */
        char *invocation_id;     /* 32 hex chars, from systemd */
        uint64_t cgroup_id;      /* inode of the instance cgroup, 0 unknown */
        uint64_t start_usec;     /* CLOCK_REALTIME */
        uint64_t stop_usec;      /* 0 while running */
        uint64_t peak;           /* memory.peak at stop, UINT64_MAX unknown */
        uint64_t charge_at_stop; /* memory.current at stop, UINT64_MAX unknown */
        uint64_t drained;        /* bytes reclaimed by the stop hook */
        uint64_t residual;       /* charge left after draining, UINT64_MAX unknown */
        char *result;            /* systemd's Result= ("success", ...) or NULL */
} InstanceRecord;

typedef struct EntityState {
        char *slice;             /* "system-web.slice" */
        char *service;           /* the configured unit or template */
        uint64_t created_usec;
        uint64_t restarts;       /* instances started since created */
        uint64_t drained_total;
        InstanceRecord *history; /* oldest first */
        size_t n_history;
} EntityState;

typedef struct State {
        EntityState *entities;
        size_t n_entities;
} State;

State *state_new(void);
State *state_free(State *s);

EntityState *state_find(State *s, const char *slice);
/* Adds an entity (or returns the existing one with that slice). */
int state_add(State *s, const char *slice, const char *service, uint64_t now_usec, EntityState **ret);
int state_remove(State *s, const char *slice);

/* Appends a record (copied); drops the oldest past STATE_HISTORY_MAX. */
int entity_add_instance(EntityState *e, const InstanceRecord *r);
/* The newest record with that invocation id, or NULL. */
InstanceRecord *entity_find_instance(EntityState *e, const char *invocation_id);

/* Serialize / parse. Parsing is strict: -EBADMSG on any malformed line, with
 * the 1-based line number in *ret_line; -EPROTONOSUPPORT for a newer format. */
int state_serialize(const State *s, char **ret);
int state_parse(const char *text, State **ret, unsigned *ret_line);

/* Loads dir/state. A missing file gives an empty state. A corrupt one is
 * renamed to state.corrupt-<usec> and -EBADMSG is returned together with an
 * empty state in *ret, so the caller can log and go on. */
int state_load(const char *dir, State **ret, unsigned *ret_line);
int state_save(const State *s, const char *dir);
