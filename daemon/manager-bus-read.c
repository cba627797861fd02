/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The read methods of org.cgpersist1 (ListEntities, ListEntityColumns,
 * GetEntity, GetHistory, GetMetrics) and the records they reply with. Open
 * to every local user: they read the Manager and change nothing. */

#include "manager-bus.h"
#include "manager-leftovers.h"
#include "manager-metrics.h"
#include "manager-proactive.h"
#include "size.h"
#include "unitname.h"

/* The fields of ListEntities(), which GetEntity() extends. */
static int append_entity_fields(sd_bus_message *r, const EntityState *e, const EntityUsage *u) {
        int q = 0;

        if (q >= 0)
                q = kv_s(r, "slice", e->slice);
        if (q >= 0)
                q = kv_s(r, "service", e->service);
        if (q >= 0)
                q = kv_t_known(r, "memory_current", u->memory_current);
        if (q >= 0)
                q = kv_t_known(r, "persistent", u->persistent);
        if (q >= 0)
                q = kv_t(r, "instances_current", u->instances_current);
        if (q >= 0)
                q = kv_u(r, "instances", u->n_instances);
        if (q >= 0)
                q = kv_t(r, "restarts", e->restarts);
        if (q >= 0)
                q = kv_t_known(r, "dying_descendants", u->dying_descendants);
        if (q >= 0)
                q = kv_t_known(r, "dying_memcgs", u->dying_memcgs);
        if (q >= 0)
                q = kv_b(r, "pending", u->pending);
        if (q >= 0)
                q = kv_t(r, "drained_total", e->drained_total);
        if (q >= 0)
                q = kv_b(r, "configured", u->configured);
        if (q >= 0)
                q = kv_b(r, "retiring", u->retiring);
        if (q >= 0)
                q = kv_t(r, "created_usec", e->created_usec);
        if (q >= 0)
                q = kv_t(r, "proactive_reclaimed", u->proactive_reclaimed);
        if (q >= 0)
                q = kv_t_known(r, "leftover_bytes", u->leftover_bytes);
        return q;
}

static int append_memstat(sd_bus_message *r, const MemStat *s) {
        const struct {
                const char *name;
                uint64_t v;
        } f[] = {
                { "anon", s->anon },
                { "file", s->file },
                { "shmem", s->shmem },
                { "file_mapped", s->file_mapped },
                { "file_dirty", s->file_dirty },
                { "file_writeback", s->file_writeback },
                { "kernel", s->kernel },
                { "kernel_stack", s->kernel_stack },
                { "pagetables", s->pagetables },
                { "slab", s->slab },
                { "sock", s->sock },
                { "active_file", s->active_file },
                { "inactive_file", s->inactive_file },
                { "unevictable", s->unevictable },
        };
        int q;

        q = open_kv(r, "memory_stat", "a{st}");
        if (q < 0)
                return q;
        q = sd_bus_message_open_container(r, 'a', "{st}");
        if (q < 0)
                return q;
        for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                q = sd_bus_message_append(r, "{st}", f[i].name, f[i].v);
                if (q < 0)
                        return q;
        }
        q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return close_kv(r);
}

static int append_policy(sd_bus_message *r, Manager *m, const char *service) {
        ServicePolicy p;
        int q;

        if (!m->config || config_policy_for(m->config, service, &p) <= 0)
                return 0;
        q = open_dict(r, "policy");
        if (q >= 0)
                q = kv_s(r, "entity", p.entity);
        /* Limits as they are applied (systemd_set_memory_limits()): an unset
         * memory_low is 0, the others UINT64_MAX, "no limit". */
        if (q >= 0)
                q = kv_t(r, "memory_low", p.memory_low == SIZE_INFINITY ? 0 : p.memory_low);
        if (q >= 0)
                q = kv_t(r, "memory_high", p.memory_high);
        if (q >= 0)
                q = kv_t(r, "memory_max", p.memory_max);
        if (q >= 0)
                q = kv_t(r, "retire_residual_max", p.retire_residual_max);
        if (q >= 0)
                q = kv_s(r, "drain", drain_mode_to_string(p.drain));
        if (q >= 0)
                q = kv_t(r, "drain_budget_usec", p.drain_budget_usec);
        if (q >= 0)
                q = kv_b(r, "proactive_reclaim", p.proactive_reclaim);
        return close_dict(r, q);
}

/* What proactive reclaim did to the entity, when it ever looked at it. */
static int append_proactive(sd_bus_message *r, Manager *m, const EntityState *e) {
        uint64_t since = 0;
        const ProactiveState *st = manager_proactive_find(m, e->slice, &since);
        int q;

        if (!st)
                return 0;
        q = open_dict(r, "proactive");
        if (q >= 0)
                q = kv_t(r, "reclaimed", st->reclaimed);
        if (q >= 0)
                q = kv_t(r, "steps", st->steps);
        if (q >= 0)
                q = kv_t(r, "last_request", st->last_request);
        if (q >= 0)
                q = kv_t(r, "last_reclaimed", st->last_reclaimed);
        if (q >= 0)
                q = kv_b(r, "backing_off", st->level > 0);
        if (q >= 0)
                q = kv_u(r, "backoff_level", st->level);
        if (q >= 0)
                q = kv_u(r, "backoff_skip", st->skip);
        if (q >= 0)
                q = kv_s(r, "backoff_reason", proactive_backoff_reason_to_string(st->reason));
        if (q >= 0 && since > 0)
                q = kv_t(r, "backoff_since_usec", since);
        if (q >= 0)
                q = kv_t(r, "pressure_ppm", st->pressure_ppm);
        return close_dict(r, q);
}

/* What the last scan found left by dead instances, once there was a scan. */
static int append_leftovers(sd_bus_message *r, Manager *m, const char *cgpath) {
        uint64_t when = 0;
        const Leftover *l = manager_leftovers_find(m, cgpath, &when);
        const PageKinds *k = l ? &l->kinds : &(PageKinds){};
        uint64_t ps = (uint64_t) sysconf(_SC_PAGESIZE);
        const struct {
                const char *key;
                uint64_t pages;
        } kinds[] = {
                { "bytes", k->pages },
                { "file", k->file },
                { "file_dirty", k->file_dirty },
                { "file_writeback", k->file_writeback },
                { "file_mapped", k->file_mapped },
                { "shmem", k->shmem },
                { "anon", k->anon },
                { "kernel", k->kernel },
                { "huge", k->huge },
        };
        int q;

        if (when == 0)
                return 0;
        q = open_dict(r, "leftovers");
        if (q >= 0)
                q = kv_t(r, "dying", l ? l->dying : 0);
        for (size_t i = 0; q >= 0 && i < ELEMENTSOF(kinds); i++)
                q = kv_t(r, kinds[i].key, kinds[i].pages * ps);
        if (q >= 0)
                q = kv_t(r, "scanned_usec", when);
        return close_dict(r, q);
}

static int append_instances(sd_bus_message *r, Manager *m, const EntityState *e) {
        _cleanup_free_ Tracked **live = NULL;
        size_t n = 0;
        int q;

        q = manager_live_instances(m, e->slice, &live, &n);
        if (q < 0)
                return q;
        q = open_kv(r, "live_instances", "aa{sv}");
        if (q < 0)
                return q;
        q = sd_bus_message_open_container(r, 'a', "a{sv}");
        if (q < 0)
                return q;
        for (size_t i = 0; i < n; i++) {
                const Tracked *t = live[i];
                const InstanceRecord *h = entity_find_instance((EntityState *) e, t->invocation_id);
                uint64_t cur = UINT64_MAX;

                if (t->cgroup && cgroupfs_read_u64(m->cgfs, t->cgroup, "memory.current", &cur) < 0)
                        cur = UINT64_MAX;
                q = sd_bus_message_open_container(r, 'a', "{sv}");
                if (q >= 0)
                        q = kv_s(r, "unit", t->unit);
                if (q >= 0)
                        q = kv_s(r, "invocation_id", t->invocation_id);
                if (q >= 0)
                        q = kv_s(r, "cgroup", t->cgroup);
                if (q >= 0)
                        q = kv_t_known(r, "memory_current", cur);
                if (q >= 0)
                        q = kv_b(r, "pending", t->pending);
                if (q >= 0 && h)
                        q = kv_t(r, "start_usec", h->start_usec);
                if (q >= 0 && h && h->cgroup_id)
                        q = kv_t(r, "cgroup_id", h->cgroup_id);
                if (q >= 0)
                        q = sd_bus_message_close_container(r);
                if (q < 0)
                        return q;
        }
        q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return close_kv(r);
}

static int append_history_record(sd_bus_message *r, const InstanceRecord *h) {
        int q;

        q = sd_bus_message_open_container(r, 'a', "{sv}");
        if (q >= 0)
                q = kv_s(r, "unit", h->unit);
        if (q >= 0)
                q = kv_s(r, "invocation_id", h->invocation_id);
        if (q >= 0)
                q = kv_t(r, "start_usec", h->start_usec);
        if (q >= 0 && h->stop_usec != 0)
                q = kv_t(r, "stop_usec", h->stop_usec);
        if (q >= 0)
                q = kv_t_known(r, "peak", h->peak);
        if (q >= 0)
                q = kv_t_known(r, "charge_at_stop", h->charge_at_stop);
        if (q >= 0)
                q = kv_t(r, "drained", h->drained);
        if (q >= 0)
                q = kv_t_known(r, "residual", h->residual);
        if (q >= 0)
                q = kv_s(r, "result", h->result);
        if (q >= 0 && h->cgroup_id != 0)
                q = kv_t(r, "cgroup_id", h->cgroup_id);
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        return q;
}

int bus_method_list_entities(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ EntityUsage *u = NULL;
        int r;

        r = manager_measure_all(m, &u);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->state->n_entities; i++) {
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = append_entity_fields(reply, &m->state->entities[i], &u[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return close_and_send(reply, r);
}

/* ListEntityColumns(): the fields of ListEntities(), as one array per key
 * over the entities in the same order. With thousands of entities this is
 * what keeps cgctl fast: a column of numbers goes into the message with one
 * copy, the bus daemon checks it without looking at each element, and cgctl
 * reads it in place, where the records of ListEntities() cost a dictionary
 * entry and a variant per value at every step. Measured values that are
 * unknown are UINT64_MAX here (ListEntities() leaves them out), a string
 * that is unknown is empty. */
enum {
        COL_MEMORY_CURRENT,
        COL_PERSISTENT,
        COL_INSTANCES_CURRENT,
        COL_RESTARTS,
        COL_DYING_DESCENDANTS,
        COL_DYING_MEMCGS,
        COL_DRAINED_TOTAL,
        COL_CREATED_USEC,
        COL_PROACTIVE_RECLAIMED,
        COL_LEFTOVER_BYTES,
        _COL_T_MAX,
};

static int append_column(sd_bus_message *r, const char *key, char type, const void *v, size_t size) {
        const char contents[3] = { 'a', type, 0 };
        int q;

        q = open_kv(r, key, contents);
        if (q >= 0)
                q = sd_bus_message_append_array(r, type, v, size);
        if (q >= 0)
                q = close_kv(r);
        return q;
}

/* sd-bus copies no boolean arrays in one go (a D-Bus boolean is 4 bytes that
 * must be 0 or 1): one by one. */
static int append_column_b(sd_bus_message *r, const char *key, const int *v, size_t n) {
        int q;

        q = open_kv(r, key, "ab");
        if (q >= 0)
                q = sd_bus_message_open_container(r, 'a', "b");
        for (size_t i = 0; q >= 0 && i < n; i++)
                q = sd_bus_message_append_basic(r, 'b', &v[i]);
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        if (q >= 0)
                q = close_kv(r);
        return q;
}

static int append_column_s(sd_bus_message *r, const char *key, const EntityState *entities, size_t n,
                           bool service) {
        int q;

        q = open_kv(r, key, "as");
        if (q >= 0)
                q = sd_bus_message_open_container(r, 'a', "s");
        for (size_t i = 0; q >= 0 && i < n; i++)
                q = sd_bus_message_append_basic(r, 's',
                                                (service ? entities[i].service : entities[i].slice) ?: "");
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        if (q >= 0)
                q = close_kv(r);
        return q;
}

int bus_method_list_entity_columns(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ EntityUsage *u = NULL;
        _cleanup_free_ uint64_t *t = NULL;
        _cleanup_free_ uint32_t *instances = NULL;
        _cleanup_free_ int *b = NULL;
        const EntityState *es = m->state->entities;
        size_t n = m->state->n_entities, rows = MAX(n, (size_t) 1);
        int r;

        r = manager_measure_all(m, &u);
        if (r < 0)
                return r;
        t = calloc(rows * _COL_T_MAX, sizeof *t);
        instances = calloc(rows, sizeof *instances);
        b = calloc(rows * 3, sizeof *b);
        if (!t || !instances || !b)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                t[COL_MEMORY_CURRENT * rows + i] = u[i].memory_current;
                t[COL_PERSISTENT * rows + i] = u[i].persistent;
                t[COL_INSTANCES_CURRENT * rows + i] = u[i].instances_current;
                t[COL_RESTARTS * rows + i] = es[i].restarts;
                t[COL_DYING_DESCENDANTS * rows + i] = u[i].dying_descendants;
                t[COL_DYING_MEMCGS * rows + i] = u[i].dying_memcgs;
                t[COL_DRAINED_TOTAL * rows + i] = es[i].drained_total;
                t[COL_CREATED_USEC * rows + i] = es[i].created_usec;
                t[COL_PROACTIVE_RECLAIMED * rows + i] = u[i].proactive_reclaimed;
                t[COL_LEFTOVER_BYTES * rows + i] = u[i].leftover_bytes;
                instances[i] = u[i].n_instances;
                b[i] = u[i].pending;
                b[rows + i] = u[i].configured;
                b[2 * rows + i] = u[i].retiring;
        }

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        /* In the order of ListEntities(). */
        if (r >= 0)
                r = append_column_s(reply, "slice", es, n, false);
        if (r >= 0)
                r = append_column_s(reply, "service", es, n, true);
        if (r >= 0)
                r = append_column(reply, "memory_current", 't', t + COL_MEMORY_CURRENT * rows,
                                  n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "persistent", 't', t + COL_PERSISTENT * rows, n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "instances_current", 't', t + COL_INSTANCES_CURRENT * rows,
                                  n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "instances", 'u', instances, n * sizeof *instances);
        if (r >= 0)
                r = append_column(reply, "restarts", 't', t + COL_RESTARTS * rows, n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "dying_descendants", 't', t + COL_DYING_DESCENDANTS * rows,
                                  n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "dying_memcgs", 't', t + COL_DYING_MEMCGS * rows, n * sizeof *t);
        if (r >= 0)
                r = append_column_b(reply, "pending", b, n);
        if (r >= 0)
                r = append_column(reply, "drained_total", 't', t + COL_DRAINED_TOTAL * rows, n * sizeof *t);
        if (r >= 0)
                r = append_column_b(reply, "configured", b + rows, n);
        if (r >= 0)
                r = append_column_b(reply, "retiring", b + 2 * rows, n);
        if (r >= 0)
                r = append_column(reply, "created_usec", 't', t + COL_CREATED_USEC * rows, n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "proactive_reclaimed", 't', t + COL_PROACTIVE_RECLAIMED * rows,
                                  n * sizeof *t);
        if (r >= 0)
                r = append_column(reply, "leftover_bytes", 't', t + COL_LEFTOVER_BYTES * rows,
                                  n * sizeof *t);
        return close_and_send(reply, r);
}

int bus_method_get_entity(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep_local) char **by = NULL;
        _cleanup_free_ char *cgpath = NULL;
        EntityState *e;
        EntityUsage u;
        MemStat ms;
        int r;

        r = bus_read_entity_arg(m, msg, NULL, &e, error);
        if (r < 0)
                return r;
        manager_measure_entity(m, e, &u);
        r = slice_cgroup_path(e->slice, &cgpath);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = append_entity_fields(reply, e, &u);
        if (r < 0)
                return r;
        r = kv_s(reply, "cgroup", cgpath);
        if (r < 0)
                return r;

        if (cgroupfs_read_memstat(m->cgfs, cgpath, &ms) >= 0) {
                r = append_memstat(reply, &ms);
                if (r < 0)
                        return r;
        }
        /* Limits in force, as the kernel has them (UINT64_MAX: "max"). */
        static const char *const limits[][2] = {
                { "memory.min", "memory_min" },   { "memory.low", "memory_low" },
                { "memory.high", "memory_high" }, { "memory.max", "memory_max" },
                { "memory.peak", "memory_peak" }, { "memory.swap.current", "swap_current" },
        };
        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                uint64_t v;
                if (manager_read_u64(m, cgpath, limits[i][0], &v) < 0)
                        continue;
                r = kv_t(reply, limits[i][1], v);
                if (r < 0)
                        return r;
        }

        /* Every section that gave a unit of this entity its place. */
        r = m->config ? coverage_entity_sections(m->config, &m->coverage, e->slice, e->service, &by) : 0;
        if (r < 0)
                return r;
        r = open_kv(reply, "configured_by", "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, by);
        if (r >= 0)
                r = close_kv(reply);
        if (r >= 0)
                r = append_policy(reply, m, e->service);
        if (r >= 0)
                r = append_proactive(reply, m, e);
        if (r >= 0)
                r = append_leftovers(reply, m, cgpath);
        if (r >= 0)
                r = append_instances(reply, m, e);
        return close_and_send(reply, r);
}

int bus_method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        EntityState *e;
        int r;

        r = bus_read_entity_arg(m, msg, &name, &e, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r < 0)
                return r;
        /* A name of a unit (not the template, not the slice) shows that
         * unit's instances only. */
        bool one_unit = endswith(name, ".service") && !unit_name_is_template(name);
        for (size_t i = 0; i < e->n_history; i++) {
                if (one_unit && !streq(e->history[i].unit, name))
                        continue;
                r = append_history_record(reply, &e->history[i]);
                if (r < 0)
                        return r;
        }
        return close_and_send(reply, r);
}

int bus_method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_free_ char *text = NULL;
        int r;

        r = manager_render_metrics(m, METRICS_OPENMETRICS, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}
