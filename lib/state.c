/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The persistent state in memory: entities and their instance records, in
 * order. Its text format is in state-format.c, the files in state-files.c. */

#include "macro.h"
#include "sorted.h"
#include "state-private.h"
#include "unitname.h"

/* ---- records ---------------------------------------------------------- */

void instance_record_done(InstanceRecord *r) {
        free(r->unit);
        free(r->invocation_id);
        free(r->result);
        *r = (InstanceRecord){};
}

void entity_state_done(EntityState *e) {
        free(e->slice);
        free(e->cgpath);
        free(e->service);
        for (size_t i = 0; i < e->n_history; i++)
                instance_record_done(&e->history[i]);
        free(e->history);
        *e = (EntityState){};
}

State *state_new(void) {
        return calloc(1, sizeof(State));
}

State *state_free(State *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_entities; i++)
                entity_state_done(&s->entities[i]);
        free(s->entities);
        free(s);
        return NULL;
}

/* Entities are kept sorted by slice: a lookup is a binary search, and a
 * listing comes out in the order cgctl shows it. */
static size_t entity_index(const State *s, const char *slice, bool *found) {
        return sorted_search_str(s->entities, s->n_entities, sizeof(EntityState),
                                 offsetof(EntityState, slice), slice, found);
}

EntityState *state_find(State *s, const char *slice) {
        bool found;
        size_t i;

        if (!s || !slice)
                return NULL;
        i = entity_index(s, slice, &found);
        return found ? &s->entities[i] : NULL;
}

/* Takes e over and puts it in its place; NULL if that slice is taken
 * (e untouched) or on -ENOMEM (*ret_error says which). */
EntityState *insert_entity(State *s, EntityState *e, int *ret_error) {
        EntityState *n;
        bool found;
        size_t i = entity_index(s, e->slice, &found);

        if (found) {
                *ret_error = -EEXIST;
                return NULL;
        }
        /* Measured at every cgctl status: made once. */
        if (!e->cgpath && slice_cgroup_path(e->slice, &e->cgpath) == -ENOMEM) {
                *ret_error = -ENOMEM;
                return NULL;
        }
        n = realloc(s->entities, (s->n_entities + 1) * sizeof(EntityState));
        if (!n) {
                free(e->cgpath);
                e->cgpath = NULL;
                *ret_error = -ENOMEM;
                return NULL;
        }
        s->entities = n;
        memmove(n + i + 1, n + i, (s->n_entities - i) * sizeof(EntityState));
        n[i] = *e;
        s->n_entities++;
        return &n[i];
}

int state_add(State *s, const char *slice, const char *service, uint64_t now_usec, EntityState **ret) {
        EntityState *e;
        char *sl, *sv;
        int r;

        if (!s || isempty(slice) || !service)
                return -EINVAL;

        e = state_find(s, slice);
        if (e) {
                if (ret)
                        *ret = e;
                return 0;
        }

        sl = strdup(slice);
        sv = strdup(service);
        if (!sl || !sv) {
                free(sl);
                free(sv);
                return -ENOMEM;
        }

        e = insert_entity(s,
                          &(EntityState){
                                  .slice = sl,
                                  .service = sv,
                                  .created_usec = now_usec,
                          },
                          &r);
        if (!e) {
                free(sl);
                free(sv);
                return r;
        }

        if (ret)
                *ret = e;
        return 1;
}

int state_remove(State *s, const char *slice) {
        EntityState *e;
        size_t i;

        e = state_find(s, slice);
        if (!e)
                return -ENOENT;

        i = (size_t) (e - s->entities);
        entity_state_done(e);
        memmove(s->entities + i, s->entities + i + 1, (s->n_entities - i - 1) * sizeof(EntityState));
        s->n_entities--;
        return 0;
}

static int strdup_or_null(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int entity_add_instance(EntityState *e, const InstanceRecord *r) {
        InstanceRecord copy;

        if (!e || !r || isempty(r->unit))
                return -EINVAL;

        copy = *r;
        copy.unit = copy.invocation_id = copy.result = NULL;
        if (strdup_or_null(r->unit, &copy.unit) < 0 ||
            strdup_or_null(r->invocation_id, &copy.invocation_id) < 0 ||
            strdup_or_null(r->result, &copy.result) < 0) {
                instance_record_done(&copy);
                return -ENOMEM;
        }

        if (e->n_history >= STATE_HISTORY_MAX) {
                /* Bounded history: the oldest record makes room (the
                 * configured retention is applied by state_trim_history). */
                size_t drop = e->n_history - STATE_HISTORY_MAX + 1;

                for (size_t i = 0; i < drop; i++)
                        instance_record_done(&e->history[i]);
                memmove(e->history, e->history + drop, (e->n_history - drop) * sizeof(InstanceRecord));
                e->n_history -= drop;
        } else {
                InstanceRecord *n = realloc(e->history, (e->n_history + 1) * sizeof(InstanceRecord));
                if (!n) {
                        instance_record_done(&copy);
                        return -ENOMEM;
                }
                e->history = n;
        }

        e->history[e->n_history++] = copy;
        return 0;
}

size_t state_trim_history(State *s, size_t keep) {
        size_t dropped = 0;

        if (!s || keep == 0)
                return 0;
        for (size_t i = 0; i < s->n_entities; i++) {
                EntityState *e = &s->entities[i];
                size_t drop;

                if (e->n_history <= keep)
                        continue;
                drop = e->n_history - keep;
                for (size_t j = 0; j < drop; j++)
                        instance_record_done(&e->history[j]);
                memmove(e->history, e->history + drop, keep * sizeof(InstanceRecord));
                e->n_history = keep;
                dropped += drop;
        }
        return dropped;
}

InstanceRecord *entity_find_instance(EntityState *e, const char *invocation_id) {
        if (!e || !invocation_id)
                return NULL;
        for (size_t i = e->n_history; i > 0; i--)
                if (streq_ptr(e->history[i - 1].invocation_id, invocation_id))
                        return &e->history[i - 1];
        return NULL;
}
