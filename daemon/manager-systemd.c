/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Everything the daemon asks of PID 1 over org.freedesktop.systemd1. Jobs and
 * limits go out asynchronously; reads are synchronous, as PID 1 answers them
 * from memory, but each waits at most PID1_CALL_TIMEOUT_USEC (sd-bus's
 * default is 25 s, against WatchdogSec=30s), and once one timed out none is
 * made for PID1_STALL_USEC: a busy or stuck PID 1 costs the loop one timeout,
 * never several in a row. A reconcile after the pause reads again what was
 * missed. A reconcile names no unit that PID 1 has not loaded, except to
 * start it: asking about one loads it, and PID 1 garbage-collects it again
 * right after. */

#include <inttypes.h>

#include "log.h"
#include "manager.h"
#include "size.h"
#include "timeutil.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"

#define PID1_CALL_TIMEOUT_USEC (5 * USEC_PER_SEC)
#define PID1_STALL_USEC (10 * USEC_PER_SEC)
/* Calls that each answer in time can still add up, a thousand units read
 * one after the other: no call once the loop has spent this long on what
 * woke it. */
#define PID1_BUSY_USEC (10 * USEC_PER_SEC)

static int on_pid1_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->pid1_retry = sd_event_source_unref(m->pid1_retry);
        log_info("Reading from systemd (PID 1) again after it was too slow.");
        manager_queue_reconcile(m);
        return 0;
}

/* No synchronous call for PID1_STALL_USEC, then a reconcile. -ETIMEDOUT. */
static int pid1_pause(Manager *m, const char *what, const char *why) {
        m->pid1_stall_until = now_usec(CLOCK_MONOTONIC) + PID1_STALL_USEC;
        log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_PID1_SLOW, "CGPERSIST_CALL=%s", what,
                   "MESSAGE=systemd (PID 1) %s (%s); asking it nothing more for %" PRIu64
                   " s, then reading everything again.",
                   why, what, PID1_STALL_USEC / USEC_PER_SEC, NULL);
        if (!m->pid1_retry &&
            sd_event_add_time_relative(m->event, &m->pid1_retry, CLOCK_MONOTONIC, PID1_STALL_USEC,
                                       USEC_PER_SEC, on_pid1_retry, m) >= 0)
                (void) sd_event_source_set_description(m->pid1_retry, "pid1-retry");
        return -ETIMEDOUT;
}

/* Before a synchronous call: -ETIMEDOUT while PID 1 is taken to be stuck,
 * or once the loop has waited for it long enough in one go. */
static int pid1_check(Manager *m, const char *what) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), woke;

        if (m->pid1_stall_until != 0) {
                if (now < m->pid1_stall_until)
                        return -ETIMEDOUT;
                m->pid1_stall_until = 0;
        }
        /* 0: the time this loop iteration began (before the first one, at
         * start-up, there is none). */
        if (sd_event_now(m->event, CLOCK_MONOTONIC, &woke) == 0 && now > woke &&
            now - woke >= PID1_BUSY_USEC)
                return pid1_pause(m, what, "kept the loop waiting for 10 s of calls in a row");
        return 0;
}

/* After one: a timeout pauses the synchronous calls. Returns r. */
static int pid1_result(Manager *m, const char *what, int r) {
        if (r == -ETIMEDOUT)
                (void) pid1_pause(m, what, "did not answer within 5 s");
        return r;
}

int systemd_bus_setup(Manager *m) {
        return sd_bus_set_method_call_timeout(m->bus, PID1_CALL_TIMEOUT_USEC);
}

static int unit_path(const char *unit, char **ret) {
        return sd_bus_path_encode(SD_PATH "/unit", unit, ret);
}

static int get_string_property(Manager *m, const char *path, const char *iface, const char *prop,
                               char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = pid1_check(m, prop);

        if (r < 0)
                return r;
        r = pid1_result(m, prop,
                        sd_bus_get_property_string(m->bus, SD_DEST, path, iface, prop, &error, ret));
        if (r < 0)
                log_debug("Failed to get %s.%s of %s: %s", iface, prop, path, error.message ?: strerror(-r));
        return r;
}

void loaded_units_done(LoadedUnits *l) {
        sd_bus_message_unref(l->reply);
        free(l->units);
        *l = (LoadedUnits){};
}

static int loaded_unit_cmp(const void *a, const void *b) {
        return strcmp(((const LoadedUnit *) a)->name, ((const LoadedUnit *) b)->name);
}

static int loaded_unit_cmp_key(const void *key, const void *item) {
        return strcmp(key, ((const LoadedUnit *) item)->name);
}

const LoadedUnit *loaded_units_find(const LoadedUnits *l, const char *name) {
        if (!l || l->n == 0)
                return NULL;
        return bsearch(name, l->units, l->n, sizeof *l->units, loaded_unit_cmp_key);
}

/* The services and slices PID 1 holds in memory, in one call. Unlike
 * ListUnitsByNames, which loads every unit it is asked about (and PID 1 then
 * garbage-collects the inactive ones again, a UnitNew and a UnitRemoved
 * signal each), this only reads what is loaded: a unit that is not loaded is
 * not running, and whether its file exists is read from the unit
 * directories (lib/unitfiles). The strings point into the kept reply. */
int systemd_list_loaded(Manager *m, LoadedUnits *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(loaded_units_done) LoadedUnits l = {};
        size_t allocated = 0;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_DEST, SD_PATH, SD_MANAGER,
                                           "ListUnitsByPatterns");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "asas", 0, 2, "*.service", "*.slice");
        if (r < 0)
                return r;
        r = pid1_check(m, "ListUnitsByPatterns");
        if (r >= 0)
                r = pid1_result(m, "ListUnitsByPatterns", sd_bus_call(m->bus, call, 0, &error, &l.reply));
        if (r < 0) {
                log_debug("ListUnitsByPatterns failed: %s", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(l.reply, 'a', "(ssssssouso)");
        if (r < 0)
                return r;
        for (;;) {
                LoadedUnit u;
                r = sd_bus_message_read(l.reply, "(ssssssouso)", &u.name, NULL, &u.load, &u.active, NULL,
                                        NULL, NULL, NULL, NULL, NULL);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (l.n == allocated) {
                        size_t a = MAX(allocated * 2, (size_t) 256);
                        LoadedUnit *x = realloc(l.units, a * sizeof *x);
                        if (!x)
                                return -ENOMEM;
                        l.units = x;
                        allocated = a;
                }
                l.units[l.n++] = u;
        }
        if (l.n > 0)
                qsort(l.units, l.n, sizeof *l.units, loaded_unit_cmp);
        *ret = l;
        l = (LoadedUnits){};
        return 0;
}

/* Jobs and properties whose outcome only needs logging go out
 * asynchronously, so a reconcile of a thousand entities does not wait for
 * each answer. dbus-daemon refuses more than 128 pending replies per
 * connection on the system bus (max_replies_per_connection), so at most
 * ASYNC_INFLIGHT_MAX are out at once; the rest wait in a queue that replies
 * drain. */
#define ASYNC_INFLIGHT_MAX 48
/* PID 1 answers each call after the jobs and signals queued before it: at a
 * cold start of a thousand entities under emulation that was more than
 * sd-bus's default 25 s, and a call given up on is a slice never started.
 * The window above bounds the wait, not this timeout. */
#define ASYNC_TIMEOUT_USEC (UINT64_C(600) * 1000000)

typedef struct AsyncCall {
        Manager *manager;
        sd_bus_message *msg;
        char *what;
        char *started; /* StartUnit of this entity: told when refused */
        char *limits; /* SetUnitProperties of this entity: told when refused */
} AsyncCall;

static void async_call_free(void *p) {
        AsyncCall *c = p;

        if (!c)
                return;
        sd_bus_message_unref(c->msg);
        free(c->what);
        free(c->started);
        free(c->limits);
        free(c);
}

static void async_pump(Manager *m);

static int on_async_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AsyncCall *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e) {
                log_warning("%s failed: %s", c->what, e->message ?: e->name);
                if (c->started)
                        manager_entity_start_finished(c->manager, c->started, "call-failed");
                if (c->limits)
                        manager_limits_failed(c->manager, c->limits);
        }
        c->manager->async_inflight--;
        async_pump(c->manager);
        return 0;
}

static int async_send(Manager *m, AsyncCall *c) {
        sd_bus_slot *slot = NULL;
        int r;

        r = sd_bus_call_async(m->bus, &slot, c->msg, on_async_reply, c, ASYNC_TIMEOUT_USEC);
        if (r < 0) {
                log_warning_errno(r, "%s failed: %m", c->what);
                if (c->started)
                        manager_entity_start_finished(m, c->started, "call-failed");
                if (c->limits)
                        manager_limits_failed(m, c->limits);
                async_call_free(c);
                return r;
        }
        (void) sd_bus_slot_set_destroy_callback(slot, async_call_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        m->async_inflight++;
        return 0;
}

static void async_pump(Manager *m) {
        while (m->async_inflight < ASYNC_INFLIGHT_MAX && m->async_head < m->n_async_queue) {
                AsyncCall *c = m->async_queue[m->async_head++];
                (void) async_send(m, c);
        }
        if (m->async_head == m->n_async_queue) {
                m->async_head = m->n_async_queue = 0;
        }
}

/* started, limits: the entity whose start, whose limits the call is (may be
 * NULL), told of a failure. */
static int call_async(Manager *m, const char *what, const char *started, const char *limits,
                      sd_bus_message *call) {
        AsyncCall *c;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (AsyncCall){ .manager = m, .msg = sd_bus_message_ref(call), .what = strdup(what) };
        if (started)
                c->started = strdup(started);
        if (limits)
                c->limits = strdup(limits);
        if (!c->what || (started && !c->started) || (limits && !c->limits)) {
                async_call_free(c);
                return -ENOMEM;
        }
        if (m->async_inflight < ASYNC_INFLIGHT_MAX && m->async_head == m->n_async_queue)
                return async_send(m, c);

        AsyncCall **q = realloc(m->async_queue, (m->n_async_queue + 1) * sizeof *q);
        if (!q) {
                async_call_free(c);
                return -ENOMEM;
        }
        m->async_queue = (void **) q;
        m->async_queue[m->n_async_queue++] = c;
        return 0;
}

void systemd_async_drop(Manager *m) {
        for (size_t i = m->async_head; i < m->n_async_queue; i++)
                async_call_free(m->async_queue[i]);
        free(m->async_queue);
        m->async_queue = NULL;
        m->async_head = m->n_async_queue = 0;
}

int systemd_start_unit_async(Manager *m, const char *unit) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_free_ char *what = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_DEST, SD_PATH, SD_MANAGER, "StartUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "ss", unit, "replace");
        if (r < 0)
                return r;
        if (asprintf(&what, "Starting %s", unit) < 0)
                return -ENOMEM;
        return call_async(m, what, unit, NULL, call);
}

/* A daemon-reload may take long on a slow machine. */
#define SYSTEMD_RELOAD_TIMEOUT_USEC (UINT64_C(300) * 1000000)

int systemd_reload_async(Manager *m, sd_bus_message_handler_t callback, void *userdata,
                         sd_bus_destroy_t destroy) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus_slot *slot = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_DEST, SD_PATH, SD_MANAGER, "Reload");
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, &slot, call, callback, userdata, SYSTEMD_RELOAD_TIMEOUT_USEC);
        if (r < 0)
                return r;
        /* The slot frees userdata when it goes: after the reply, or with
         * the bus. */
        (void) sd_bus_slot_set_destroy_callback(slot, destroy);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return 0;
}

static int unit_job(Manager *m, const char *method, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = pid1_check(m, method);
        if (r >= 0)
                r = pid1_result(m, method,
                                sd_bus_call_method(m->bus, SD_DEST, SD_PATH, SD_MANAGER, method, &error,
                                                   NULL, "ss", unit, "replace"));
        if (r < 0)
                log_debug("%s(%s) failed: %s", method, unit, error.message ?: strerror(-r));
        return r;
}

int systemd_stop_unit(Manager *m, const char *unit) {
        return unit_job(m, "StopUnit", unit);
}

/* Limits go through systemd so that it stays the only writer of cgroup
 * attributes; runtime=true keeps them in /run: the configuration is the
 * source of truth and is applied again at every start. */
int systemd_set_memory_limits(Manager *m, const char *slice, const ServicePolicy *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &call, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "sb", slice, 1);
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "a(sv)", 4, "MemoryAccounting", "b", 1, "MemoryLow", "t",
                                  p->memory_low == SIZE_INFINITY ? 0 : p->memory_low, "MemoryHigh", "t",
                                  p->memory_high, "MemoryMax", "t", p->memory_max);
        if (r < 0)
                return r;
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "Setting the memory limits of %s", slice) < 0)
                return -ENOMEM;
        return call_async(m, what, NULL, slice, call);
}

/* InvocationID as 32 hex characters, "" for none (all zero). */
static int read_invocation_id(sd_bus_message *msg, char ret[static 33]) {
        const void *id;
        size_t sz;
        int r;

        ret[0] = 0;
        r = sd_bus_message_read_array(msg, 'y', &id, &sz);
        if (r < 0)
                return r;
        if (sz == 16) {
                const uint8_t *b = id;
                bool zero = true;
                for (size_t i = 0; i < 16; i++) {
                        snprintf(ret + 2 * i, 3, "%02x", b[i]);
                        zero = zero && b[i] == 0;
                }
                if (zero)
                        ret[0] = 0;
        }
        return 0;
}

/* Reads only what the caller asks for: at an instance start that is the
 * cgroup alone, one round trip. */
int systemd_get_instance(Manager *m, const char *unit, char **ret_active_state, char **ret_invocation_id,
                         char **ret_cgroup, char **ret_result) {
        _cleanup_free_ char *path = NULL, *active = NULL, *cgroup = NULL, *result = NULL;
        char inv[33] = "";
        int r;

        r = unit_path(unit, &path);
        if (r < 0)
                return r;
        if (ret_active_state) {
                r = get_string_property(m, path, SD_UNIT, "ActiveState", &active);
                if (r < 0)
                        return r;
        }
        if (ret_invocation_id) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

                r = pid1_check(m, "InvocationID");
                if (r >= 0)
                        r = pid1_result(m, "InvocationID",
                                        sd_bus_get_property(m->bus, SD_DEST, path, SD_UNIT, "InvocationID",
                                                            &error, &reply, "ay"));
                if (r >= 0)
                        (void) read_invocation_id(reply, inv);
        }
        if (ret_cgroup)
                (void) get_string_property(m, path, SD_SERVICE, "ControlGroup", &cgroup);
        if (ret_result)
                (void) get_string_property(m, path, SD_SERVICE, "Result", &result);

        if (ret_active_state)
                *ret_active_state = TAKE_PTR(active);
        if (ret_invocation_id)
                *ret_invocation_id = inv[0] ? strdup(inv) : NULL;
        if (ret_cgroup)
                *ret_cgroup = isempty(cgroup) ? NULL : TAKE_PTR(cgroup);
        if (ret_result)
                *ret_result = TAKE_PTR(result);
        return 0;
}

/* PID 1 sends ActiveState and InvocationID in the signal itself (both emit
 * change): read them from it instead of asking back, so a storm of signals
 * (a daemon-reload touches every unit) costs no round trips. */
/* A unit of a configured template or glob not seen yet: a reconcile takes
 * it. A unit a glob passed over never is; one a glob would take, only once
 * it runs (active is NULL when the signal does not say). */
static bool untracked_may_be_covered(Manager *m, const char *unit, const char *active) {
        _cleanup_(coverage_unit_done) CoverageUnit u = {};
        const CoverageUnit *known = coverage_find(&m->coverage, unit);

        if (!m->config || (known && known->reason != COVERAGE_COVERED))
                return false;
        if (coverage_of(m->config, NULL, unit, &u) <= 0)
                return false;
        return !u.by_glob || (active && !streq(active, "inactive") && !streq(active, "failed"));
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        _cleanup_free_ char *unit = NULL;
        char active[32] = "", inv[33] = "";
        bool have_active = false, have_inv = false;
        const char *iface;
        Tracked *t;
        int r;

        r = sd_bus_path_decode(sd_bus_message_get_path(msg), SD_PATH "/unit", &unit);
        if (r <= 0)
                return 0;
        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0 || !streq(iface, SD_UNIT))
                return 0;

        t = manager_find_tracked(m, unit);
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return 0;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;
                if (sd_bus_message_read(msg, "s", &name) < 0)
                        return 0;
                if (streq(name, "ActiveState")) {
                        const char *v;
                        if (sd_bus_message_read(msg, "v", "s", &v) < 0)
                                return 0;
                        snprintf(active, sizeof active, "%s", v);
                        have_active = true;
                } else if (streq(name, "InvocationID")) {
                        if (sd_bus_message_enter_container(msg, 'v', "ay") < 0 ||
                            read_invocation_id(msg, inv) < 0 || sd_bus_message_exit_container(msg) < 0)
                                return 0;
                        have_inv = true;
                } else if (sd_bus_message_skip(msg, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(msg) < 0)
                        return 0;
        }

        if (!t) {
                if (untracked_may_be_covered(m, unit, have_active ? active : NULL))
                        manager_queue_reconcile(m);
                return 0;
        }
        if (!have_active)
                return 0; /* nothing about the instance changed */
        if (!have_inv) {
                /* An older PID 1 that leaves it out: ask. */
                manager_unit_changed(m, unit);
                return 0;
        }
        manager_unit_state(m, t, active, inv[0] ? inv : NULL, NULL);
        return 0;
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *unit;

        Tracked *t;

        if (sd_bus_message_read(msg, "so", &unit, NULL) < 0)
                return 0;
        /* Only a unit that had a live instance: PID 1 garbage-collects every
         * inactive unit it loaded (a systemctl status, a cgctl query) and
         * says UnitRemoved; a reconcile for each would be a storm. Unit files
         * that come or go are seen at the daemon-reload that follows
         * (Reloading). */
        t = manager_find_tracked(m, unit);
        if (t && t->invocation_id)
                manager_queue_reconcile(m);
        return 0;
}

static int on_reloading(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        int b;

        /* Unit files may have come or gone, and cgpersist-generator has just
         * placed services per the configuration on disk: read it too, so the
         * daemon's entities and the generator's drop-ins agree. A bad
         * configuration keeps the last good one. */
        if (sd_bus_message_read(msg, "b", &b) >= 0 && !b) {
                (void) manager_reload_config(m);
                manager_queue_reconcile(m);
        }
        return 0;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, NULL, &unit, &result) < 0)
                return 0;
        /* Only entities being started are looked at (a short list). */
        manager_entity_start_finished(m, unit, result);
        return 0;
}

static int on_subscribed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                log_warning("Subscribe() to systemd failed: %s", e->message ?: e->name);
        return 0;
}

/* PID 1 dropped its bus connection and made a new one (seen under a storm of
 * jobs): its subscriber list went with the old one, and without a new
 * Subscribe() no unit signal comes. */
static int on_pid1_owner(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, SD_DEST) || isempty(new_owner))
                return 0;
        log_struct(LOG_NOTICE, "MESSAGE_ID=" MESSAGE_ID_PID1_BACK, "CGPERSIST_OWNER=%s", new_owner,
                   "MESSAGE=systemd (PID 1) is on the bus again as %s; subscribing again and reading "
                   "every unit.",
                   new_owner, NULL);
        r = sd_bus_call_method_async(m->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", on_subscribed,
                                     m, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to subscribe to systemd again: %m");
        manager_queue_reconcile(m);
        return 0;
}

int systemd_subscribe(Manager *m) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        /* Only the generic Unit interface: it carries ActiveState and
         * InvocationID; the type-specific ones would wake us far more often. */
        r = sd_bus_add_match(m->bus, &m->match_props,
                             "type='signal',sender='" SD_DEST "',"
                             "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                             "path_namespace='" SD_PATH "/unit',arg0='" SD_UNIT "'",
                             on_properties_changed, m);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(m->bus, &m->match_removed, SD_DEST, SD_PATH, SD_MANAGER, "UnitRemoved",
                                on_unit_removed, m);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(m->bus, &m->match_reloading, SD_DEST, SD_PATH, SD_MANAGER, "Reloading",
                                on_reloading, m);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(m->bus, &m->match_job_removed, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                                on_job_removed, m);
        if (r < 0)
                return r;
        /* Only PID 1's name (arg0): every client's connection changes an
         * owner too. */
        r = sd_bus_add_match(m->bus, &m->match_pid1_owner,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" SD_DEST "'",
                             on_pid1_owner, m);
        if (r < 0)
                return r;
        /* Without Subscribe() PID 1 does not send unit signals at all. */
        r = sd_bus_call_method(m->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &error, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Subscribe() failed: %s", error.message ?: strerror(-r));
        return 0;
}
