/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The daemon's memory of entities and their instances, kept in
 * /var/lib/cgpersist/state (versioned text, written atomically). A history is
 * bounded per entity (the oldest records go first): by STATE_HISTORY_MAX as
 * records are added, by the configured retention (state_trim_history) before
 * each save. The entity's counters (restarts, drained) count every instance,
 * whatever was trimmed. */

#define STATE_FORMAT_VERSION 2
/* Records kept per entity unless [daemon] history_max= says otherwise, and
 * the most it may say. */
#define STATE_HISTORY_DEFAULT 64
#define STATE_HISTORY_MAX 4096

typedef struct InstanceRecord {
        char *unit; /* "web.service", "foo@a.service" */
        char *invocation_id; /* 32 hex chars, from systemd */
        uint64_t cgroup_id; /* inode of the instance cgroup, 0 unknown */
        uint64_t start_usec; /* CLOCK_REALTIME */
        uint64_t stop_usec; /* 0 while running */
        uint64_t peak; /* memory.peak at stop, UINT64_MAX unknown */
        uint64_t charge_at_stop; /* memory.current at stop, UINT64_MAX unknown */
        uint64_t drained; /* bytes reclaimed by the stop hook */
        uint64_t residual; /* charge left after draining, UINT64_MAX unknown */
        char *result; /* systemd's Result= ("success", ...) or NULL */
} InstanceRecord;

typedef struct EntityState {
        char *slice; /* "system-web.slice" */
        char *cgpath; /* its cgroup ("system.slice/system-web.slice"), NULL if the slice is not valid; derived */
        char *service; /* the configured unit or template */
        uint64_t created_usec;
        uint64_t restarts; /* instances started since created */
        uint64_t drained_total;
        InstanceRecord *history; /* oldest first */
        size_t n_history;
} EntityState;

typedef struct State {
        EntityState *entities;
        size_t n_entities;
        /* Raised by the writer at every save attempt and kept in the file:
         * of two copies (one saved where it belongs, one kept elsewhere
         * after that failed) the higher one is the newer. 0 in version 1. */
        uint64_t generation;
} State;

State *state_new(void);
State *state_free(State *s);

/* Entities live in one array: an EntityState pointer (from state_find,
 * state_add, or &s->entities[i]) and its history records are valid only
 * until the next state_add() or state_remove() on that State. */
EntityState *state_find(State *s, const char *slice);
/* Adds an entity (or returns the existing one with that slice, unchanged).
 * Returns 1 if added, 0 if it existed; ret may be NULL. */
int state_add(State *s, const char *slice, const char *service, uint64_t now_usec, EntityState **ret);
/* -ENOENT if there is no such entity. */
int state_remove(State *s, const char *slice);

/* Appends a record (strings copied; unit required, invocation_id and result
 * may be NULL); drops the oldest past STATE_HISTORY_MAX. Record pointers
 * into e->history are valid until the next call on e. */
int entity_add_instance(EntityState *e, const InstanceRecord *r);
/* Keeps the newest keep records of every entity (keep >= 1). Returns how
 * many were dropped. */
size_t state_trim_history(State *s, size_t keep);
/* The newest record with that invocation id, or NULL. */
InstanceRecord *entity_find_instance(EntityState *e, const char *invocation_id);

/* Serialize / parse. The format is described at the top of state.c: first
 * line "cgpersist-state <version>", a "state" line (version 2), then "entity"
 * and "instance" lines of
 * key=value fields (strings percent-encoded), then "end". Parsing is strict:
 * -EBADMSG on any malformed line, with the 1-based line number in *ret_line;
 * -EPROTONOSUPPORT for a newer format (*ret_line = 1). *ret_line (may be
 * NULL) is only set for these two errors; *ret only on success. */
int state_serialize(const State *s, char **ret);
int state_parse(const char *text, State **ret, unsigned *ret_line);

/* Loads dir/state. A missing file (or directory) gives an empty state. A
 * corrupt one (or one over 64 MiB: *ret_line 0) is renamed to
 * state.corrupt-<usec> (never replacing an earlier one); then the whole
 * copy state_save() keeps (dir/state.copy) is loaded instead and 1 returned,
 * or, without a good copy, -EBADMSG together with an empty state in *ret,
 * so the caller can log and go on. -EPROTONOSUPPORT: written by a newer
 * cgpersist; the file is left alone and *ret is not set. */
int state_load(const char *dir, State **ret, unsigned *ret_line);
/* Writes dir/state atomically (mode 0644), creating dir (0755) if needed,
 * then the same text to dir/state.copy; fails if either write fails. */
int state_save(const State *s, const char *dir);
/* Removes dir/state and its copy; 0 if there was none. */
int state_discard(const char *dir);
