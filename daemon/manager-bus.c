/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The org.cgpersist1 API, which cgctl speaks on the system bus and the
 * private socket: an adapter, as systemd's oomd-manager-bus.c is to
 * oomd-manager.c. Each method checks its caller and arguments, calls one
 * manager_*() operation (manager-enable.c, manager-drain.c,
 * manager-retire.c, manager-config.c) or reads the Manager, and builds the
 * reply; the signals go out through the ManagerEvents it installs. Reads are
 * open to everyone; every method that changes something checks that the
 * caller is root, from the credentials the bus vouches for (the bus policy
 * file says the same, but the daemon does not rely on it). Every name a
 * caller sends is hostile until it passed validate_name(). */

#include <inttypes.h>

#include "build-config.h"
#include "bus-api.h"
#include "log.h"
#include "manager-metrics.h"
#include "manager-leftovers.h"
#include "manager-proactive.h"
#include "manager.h"
#include "namecheck.h"
#include "path.h"
#include "reclaim-job.h"
#include "size.h"
#include "unitname.h"

/* Enable/Disable take at most this many names in one call. */
#define SERVICES_MAX 1024

static const ManagerEvents manager_bus_events;

/* Userdata of the vtable slot (m->bus_vtable), freed with it. */
typedef struct Bus {
        Manager *manager;
} Bus;

static void bus_state_free(void *p) {
        Bus *b = p;

        if (b && b->manager->events == &manager_bus_events)
                b->manager->events = NULL;
        free(b);
}

static Bus *bus_state(Manager *m) {
        return m->bus_vtable ? sd_bus_slot_get_userdata(m->bus_vtable) : NULL;
}

static void strv_freep_local(char ***l) {
        strv_free(*l);
}

static bool endswith(const char *s, const char *suffix) {
        size_t l = strlen(s), n = strlen(suffix);
        return l >= n && streq(s + l - n, suffix);
}

/* ---- access and validation ---------------------------------------------- */

/* The UID the bus vouches for. Only what the bus itself says counts:
 * "augmented" fields are read from /proc/PID and race with the caller
 * exec'ing something else. dbus-daemon gives the UID it took from
 * SO_PEERCRED, which is the effective UID of the peer when it connected. */
static int sender_uid(sd_bus_message *msg, const char *what, uid_t *ret, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uint64_t augmented;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to get the caller's credentials: %m");
        augmented = sd_bus_creds_get_augmented_mask(creds);
        if (!(augmented & SD_BUS_CREDS_EUID) && sd_bus_creds_get_euid(creds, ret) >= 0)
                return 0;
        if (!(augmented & SD_BUS_CREDS_UID) && sd_bus_creds_get_uid(creds, ret) >= 0)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "%s requires root, and the bus did not say who the caller is.", what);
}

static int check_root(Manager *m, sd_bus_message *msg, const char *what, sd_bus_error *error) {
        uid_t uid;
        int r;

        /* The private socket: the kernel's word for the peer at accept. */
        if (manager_private_peer_uid(m, sd_bus_message_get_bus(msg), &uid) < 0) {
                r = sender_uid(msg, what, &uid, error);
                if (r < 0)
                        return r;
        }
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s requires root (caller has UID %u).", what, (unsigned) uid);
        return 0;
}

/* Names come from any local user. The message names the argument and, once
 * it is known to be printable and short, the value. */
static int validate_name(const char *arg, const char *name, NameKind kinds, sd_bus_error *error) {
        const char *problem = name_check(name, kinds);

        if (!problem)
                return 0;
        if (name_problem_is_unprintable(problem))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Argument %s: the name %s.", arg,
                                         problem);
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Argument %s: '%s' %s.", arg, name,
                                 problem);
}

/* The entity a valid name stands for: a slice by its name; a service (or an
 * instance, or a template) by what tracks, configures or once created it. */
static EntityState *resolve_entity(Manager *m, const char *name) {
        _cleanup_free_ char *template = NULL, *derived = NULL;
        Tracked *t;

        if (endswith(name, ".slice"))
                return state_find(m->state, name);

        t = manager_find_tracked(m, name);
        if (t)
                return state_find(m->state, t->slice);
        if (unit_name_template_of(name, &template) < 0)
                return NULL;
        for (size_t i = 0; i < m->n_desired; i++)
                if (streq(m->desired[i].service, name) || streq(m->desired[i].service, template))
                        return state_find(m->state, m->desired[i].slice);
        for (size_t i = 0; i < m->state->n_entities; i++) {
                EntityState *e = &m->state->entities[i];
                if (streq(e->service, name) || streq(e->service, template))
                        return e;
        }
        if (unit_name_entity_slice(name, &derived) >= 0)
                return state_find(m->state, derived);
        return NULL;
}

static int read_entity_arg(Manager *m, sd_bus_message *msg, const char **ret_name, EntityState **ret,
                           sd_bus_error *error) {
        const char *name;
        EntityState *e;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = validate_name("name", name, NAME_SERVICE | NAME_SLICE, error);
        if (r < 0)
                return r;
        e = resolve_entity(m, name);
        if (!e)
                return sd_bus_error_setf(
                        error, CGPERSIST_ERROR_NO_SUCH_ENTITY,
                        "No entity for '%s': it is not configured and cgpersist keeps no slice for it.",
                        name);
        if (ret_name)
                *ret_name = name;
        *ret = e;
        return 0;
}

/* ---- records ------------------------------------------------------------ */

static int kv_s(sd_bus_message *r, const char *key, const char *v) {
        if (!v)
                return 0; /* unknown: left out */
        return sd_bus_message_append(r, "{sv}", key, "s", v);
}

static int kv_t(sd_bus_message *r, const char *key, uint64_t v) {
        return sd_bus_message_append(r, "{sv}", key, "t", v);
}

/* A measured value: UINT64_MAX means unknown and is left out. */
static int kv_t_known(sd_bus_message *r, const char *key, uint64_t v) {
        if (v == UINT64_MAX)
                return 0;
        return kv_t(r, key, v);
}

static int kv_u(sd_bus_message *r, const char *key, uint32_t v) {
        return sd_bus_message_append(r, "{sv}", key, "u", v);
}

static int kv_b(sd_bus_message *r, const char *key, bool v) {
        return sd_bus_message_append(r, "{sv}", key, "b", (int) v);
}

static int open_kv(sd_bus_message *r, const char *key, const char *contents) {
        int q;

        q = sd_bus_message_open_container(r, 'e', "sv");
        if (q < 0)
                return q;
        q = sd_bus_message_append(r, "s", key);
        if (q < 0)
                return q;
        return sd_bus_message_open_container(r, 'v', contents);
}

static int close_kv(sd_bus_message *r) {
        int q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return sd_bus_message_close_container(r);
}

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
        q = open_kv(r, "policy", "a{sv}");
        if (q < 0)
                return q;
        q = sd_bus_message_open_container(r, 'a', "{sv}");
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
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return close_kv(r);
}

/* What proactive reclaim did to the entity, when it ever looked at it. */
static int append_proactive(sd_bus_message *r, Manager *m, const EntityState *e) {
        uint64_t since = 0;
        const ProactiveState *st = manager_proactive_find(m, e->slice, &since);
        int q;

        if (!st)
                return 0;
        q = open_kv(r, "proactive", "a{sv}");
        if (q < 0)
                return q;
        q = sd_bus_message_open_container(r, 'a', "{sv}");
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
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return close_kv(r);
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
        q = open_kv(r, "leftovers", "a{sv}");
        if (q < 0)
                return q;
        q = sd_bus_message_open_container(r, 'a', "{sv}");
        if (q >= 0)
                q = kv_t(r, "dying", l ? l->dying : 0);
        for (size_t i = 0; q >= 0 && i < ELEMENTSOF(kinds); i++)
                q = kv_t(r, kinds[i].key, kinds[i].pages * ps);
        if (q >= 0)
                q = kv_t(r, "scanned_usec", when);
        if (q >= 0)
                q = sd_bus_message_close_container(r);
        if (q < 0)
                return q;
        return close_kv(r);
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

/* ---- read methods ------------------------------------------------------- */

static int method_list_entities(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
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
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
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

static int method_list_entity_columns(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
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
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_entity(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep_local) char **by = NULL;
        _cleanup_free_ char *cgpath = NULL;
        EntityState *e;
        EntityUsage u;
        MemStat ms;
        int r;

        r = read_entity_arg(m, msg, NULL, &e, error);
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

        r = m->config ? config_sections_for(m->config, e->service, &by) : 0;
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
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        EntityState *e;
        int r;

        r = read_entity_arg(m, msg, &name, &e, error);
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
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_free_ char *text = NULL;
        int r;

        r = manager_render_metrics(m, METRICS_OPENMETRICS, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

/* ---- changing methods --------------------------------------------------- */

/* After a failed manager_reload_config(): an error naming every file:line
 * that is wrong. */
static int config_error(Manager *m, int error, sd_bus_error *ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = manager_config_errors(m, error, &text);
        if (r < 0)
                return r;
        return sd_bus_error_set(ret_error, CGPERSIST_ERROR_BAD_CONFIG, text);
}

/* Enable and Disable answer with the files they changed, once PID 1 has
 * reloaded. */
static void enable_done(Manager *m, char *const *changed, size_t n_changed, const char *failure,
                        void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata, *reply = NULL;
        int r;

        if (failure)
                r = sd_bus_reply_method_errorf(call, SD_BUS_ERROR_FAILED, "%s", failure);
        else {
                r = sd_bus_message_new_method_return(call, &reply);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "s");
                for (size_t i = 0; r >= 0 && i < n_changed; i++)
                        r = sd_bus_message_append(reply, "s", changed[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to reply to %s, ignoring: %m", sd_bus_message_get_member(call));
}

static int method_enable_disable(sd_bus_message *msg, Bus *b, bool enable, sd_bus_error *error) {
        Manager *m = b->manager;
        _cleanup_(strv_freep_local) char **services = NULL;
        size_t n = 0;
        int runtime, r;

        r = check_root(m, msg, enable ? "Enable" : "Disable", error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &services);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &runtime);
        if (r < 0)
                return r;
        for (char **s = services; s && *s; s++)
                n++;
        if (n == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument services: no service given.");
        if (n > SERVICES_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument services: too many services (%zu, at most %d).", n,
                                         SERVICES_MAX);
        for (char **s = services; *s; s++) {
                r = validate_name("services", *s, NAME_SERVICE, error);
                if (r < 0)
                        return r;
                if (unit_name_is_cgpersist_own(*s))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Argument services: %s is one of cgpersist's own units.",
                                                 *s);
        }
        r = manager_enable(m, services, enable, runtime, enable_done, sd_bus_message_ref(msg), error);
        if (r < 0)
                sd_bus_message_unref(msg);
        return r < 0 ? r : 1;
}

static int method_enable(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable_disable(msg, userdata, true, error);
}

static int method_disable(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_enable_disable(msg, userdata, false, error);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        int r;

        r = check_root(m, msg, "Reload", error);
        if (r < 0)
                return r;
        log_info("Reloading configuration (requested over D-Bus).");
        r = manager_reload_config(m);
        if (r < 0)
                return config_error(m, r, error);
        (void) manager_reconcile(m);
        manager_update_metrics(m);
        return sd_bus_reply_method_return(msg, NULL);
}

/* Drain: manager_drain() runs it on a worker; the reply carries its
 * figures. */
static void drain_done(ReclaimJob *j, uint64_t drained, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata, *reply = NULL;
        const ReclaimResult *res = &j->result;
        int r;

        if (j->error == -EOPNOTSUPP)
                r = sd_bus_reply_method_errorf(
                        call, CGPERSIST_ERROR_NOT_SUPPORTED,
                        "The kernel has no memory.reclaim (Linux 5.19 or later needed).");
        else if (j->error == -ENOENT)
                r = sd_bus_reply_method_errorf(call, CGPERSIST_ERROR_NO_SUCH_ENTITY,
                                               "%s has no cgroup: the slice is not active.", j->slice);
        else if (j->error < 0)
                r = sd_bus_reply_method_errnof(call, j->error, "Failed to drain %s: %m", j->slice);
        else {
                r = sd_bus_message_new_method_return(call, &reply);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = kv_s(reply, "slice", j->slice);
                if (r >= 0)
                        r = kv_t(reply, "before", res->before);
                if (r >= 0)
                        r = kv_t(reply, "after", res->after);
                if (r >= 0)
                        r = kv_t(reply, "drained", drained);
                if (r >= 0)
                        r = kv_t(reply, "elapsed_usec", res->elapsed_usec);
                if (r >= 0)
                        r = kv_t(reply, "file_before", res->file_before);
                if (r >= 0)
                        r = kv_t(reply, "file_after", res->file_after);
                if (r >= 0)
                        r = kv_u(reply, "steps", res->steps);
                if (r >= 0)
                        r = kv_b(reply, "budget_exhausted", res->budget_exhausted);
                if (r >= 0)
                        r = kv_b(reply, "swap_guard", res->swap_guard);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to reply to Drain of %s, ignoring: %m", j->slice);
}

static int method_drain(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        EntityState *e;
        int r;

        r = check_root(m, msg, "Drain", error);
        if (r < 0)
                return r;
        r = read_entity_arg(m, msg, NULL, &e, error);
        if (r < 0)
                return r;
        r = manager_drain(m, e, drain_done, sd_bus_message_ref(msg));
        if (r < 0) {
                sd_bus_message_unref(msg);
                return sd_bus_error_set_errnof(error, r, "Failed to start draining %s: %m", e->slice);
        }
        return 1;
}

/* Retire is answered when the retirement is through, or failed. */
static void retire_done(Manager *m, const char *slice, const char *service, uint64_t residual,
                        bool recreated, int error, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata, *reply = NULL;
        int r;

        if (error < 0)
                r = sd_bus_reply_method_errnof(
                        call, error, "Failed to retire %s, it is kept: %m (see the journal).", slice);
        else {
                r = sd_bus_message_new_method_return(call, &reply);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = kv_s(reply, "slice", slice);
                if (r >= 0)
                        r = kv_s(reply, "service", service);
                if (r >= 0)
                        r = kv_t(reply, "residual", residual);
                if (r >= 0)
                        r = kv_b(reply, "recreated_at_reconcile", recreated);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to reply to Retire of %s, ignoring: %m", slice);
}

static int method_retire(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        EntityState *e;
        int force, r;

        r = check_root(m, msg, "Retire", error);
        if (r < 0)
                return r;
        r = read_entity_arg(m, msg, NULL, &e, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &force);
        if (r < 0)
                return r;
        r = manager_retire_request(m, e, force, retire_done, sd_bus_message_ref(msg), error);
        if (r < 0)
                sd_bus_message_unref(msg);
        return r < 0 ? r : 1;
}

/* ---- properties --------------------------------------------------------- */

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_entities(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "u", (uint32_t) m->state->n_entities);
}

static int property_config_files(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && m->config && i < m->config->n_files; i++)
                r = sd_bus_message_append(reply, "s", m->config->files[i]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int property_config_good(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "b", (int) m->config_good);
}

static int property_metrics_file(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_free_ char *p = path_join(m->run_dir, "metrics.prom");

        if (!p)
                return -ENOMEM;
        return sd_bus_message_append(reply, "s", p);
}

static int property_watched_cgroups(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "u",
                                     (uint32_t) MIN(cgfiles_n_watched(m->cgfiles), (size_t) UINT32_MAX));
}

static int property_state_save_failures(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "t", m->save_failures);
}

static int property_state_save_failed_since(sd_bus *bus, const char *path, const char *interface,
                                            const char *property, sd_bus_message *reply, void *userdata,
                                            sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "t", m->save_failed_since);
}

static int property_state_save_error(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        return sd_bus_message_append(reply, "s", m->save_failures > 0 ? strerror(-m->save_error) : "");
}

static int property_state_unsaved_file(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        _cleanup_free_ char *p = NULL;

        if (m->save_failures > 0 && m->save_kept_error == 0) {
                p = path_join(m->unsaved_dir, "state");
                if (!p)
                        return -ENOMEM;
        }
        return sd_bus_message_append(reply, "s", strempty(p));
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),

        /* UNPRIVILEGED on every method: sd-bus would otherwise refuse
         * anyone but root itself, before the handler, with a message that
         * says nothing about why. Reads are for everyone; each change
         * checks the caller in its handler (check_root()). */

        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Entities", "u", property_entities, 0, 0),
        SD_BUS_PROPERTY("ConfigFiles", "as", property_config_files, 0, 0),
        SD_BUS_PROPERTY("ConfigGood", "b", property_config_good, 0, 0),
        SD_BUS_PROPERTY("MetricsFile", "s", property_metrics_file, 0, 0),
        SD_BUS_PROPERTY("WatchedCgroups", "u", property_watched_cgroups, 0, 0),
        SD_BUS_PROPERTY("StateSaveFailures", "t", property_state_save_failures, 0, 0),
        SD_BUS_PROPERTY("StateSaveFailedSince", "t", property_state_save_failed_since, 0, 0),
        SD_BUS_PROPERTY("StateSaveError", "s", property_state_save_error, 0, 0),
        SD_BUS_PROPERTY("StateUnsavedFile", "s", property_state_unsaved_file, 0, 0),

        SD_BUS_METHOD_WITH_NAMES("ListEntities", NULL, , "aa{sv}", SD_BUS_PARAM(entities),
                                 method_list_entities, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListEntityColumns", NULL, , "a{sv}", SD_BUS_PARAM(columns),
                                 method_list_entity_columns, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetEntity", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(entity),
                                 method_get_entity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetHistory", "s", SD_BUS_PARAM(name), "aa{sv}", SD_BUS_PARAM(instances),
                                 method_get_history, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetMetrics", NULL, , "s", SD_BUS_PARAM(text), method_get_metrics,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Enable", "asb", SD_BUS_PARAM(services) SD_BUS_PARAM(runtime), "as",
                                 SD_BUS_PARAM(changed), method_enable, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Disable", "asb", SD_BUS_PARAM(services) SD_BUS_PARAM(runtime), "as",
                                 SD_BUS_PARAM(changed), method_disable, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Drain", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(result),
                                 method_drain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Retire", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(force), "a{sv}",
                                 SD_BUS_PARAM(result), method_retire, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_NAMES("InstanceStopped", "ssst",
                                 SD_BUS_PARAM(slice) SD_BUS_PARAM(unit) SD_BUS_PARAM(invocation_id)
                                         SD_BUS_PARAM(charge_at_stop),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("EntityRetired", "sst",
                                 SD_BUS_PARAM(slice) SD_BUS_PARAM(service) SD_BUS_PARAM(residual), 0),

        SD_BUS_VTABLE_END,
};

int manager_bus_setup(Manager *m) {
        Bus *b;
        int r;

        b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->manager = m;
        r = sd_bus_add_object_vtable(m->bus, &m->bus_vtable, CGPERSIST_BUS_PATH, CGPERSIST_BUS_INTERFACE,
                                     manager_vtable, b);
        if (r < 0) {
                free(b);
                return r;
        }
        (void) sd_bus_slot_set_destroy_callback(m->bus_vtable, bus_state_free);
        m->events = &manager_bus_events;
        (void) sd_bus_slot_set_description(m->bus_vtable, "org.cgpersist1.Manager");

        /* Without queueing: a second daemon must fail, not wait its turn. */
        r = sd_bus_request_name(m->bus, CGPERSIST_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "%s is owned by another process: is cgpersistd running already?",
                                       CGPERSIST_BUS_NAME);
        if (r < 0)
                return r;
        return 0;
}

int manager_bus_add_api(Manager *m, sd_bus *bus) {
        Bus *b = bus_state(m);

        if (!b)
                return -ESTALE;
        /* Floating: it goes with the connection, which goes before b. */
        return sd_bus_add_object_vtable(bus, NULL, CGPERSIST_BUS_PATH, CGPERSIST_BUS_INTERFACE,
                                        manager_vtable, b);
}

/* ---- signals ------------------------------------------------------------ */

static void emit_instance_stopped(Manager *m, const char *slice, const InstanceRecord *rec) {
        int r;

        r = sd_bus_emit_signal(m->bus, CGPERSIST_BUS_PATH, CGPERSIST_BUS_INTERFACE, "InstanceStopped",
                               "ssst", slice, rec->unit, rec->invocation_id, rec->charge_at_stop);
        if (r < 0)
                log_debug_errno(r, "Failed to send InstanceStopped, ignoring: %m");
}

static void emit_entity_retired(Manager *m, const char *slice, const char *service, uint64_t residual) {
        int r;

        r = sd_bus_emit_signal(m->bus, CGPERSIST_BUS_PATH, CGPERSIST_BUS_INTERFACE, "EntityRetired", "sst",
                               slice, service, residual);
        if (r < 0)
                log_debug_errno(r, "Failed to send EntityRetired, ignoring: %m");
}

static const ManagerEvents manager_bus_events = {
        .instance_stopped = emit_instance_stopped,
        .entity_retired = emit_entity_retired,
};
