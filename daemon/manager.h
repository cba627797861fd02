/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgfiles.h"
#include "cgroupfs.h"
#include "macro.h"
#include "config.h"
#include "coverage.h"
#include "state.h"

/* A service unit the daemon watches: a configured unit, or a loaded instance
 * of a configured template, or a unit a glob matched. */
typedef struct Tracked {
        char *unit; /* "web.service" */
        char *slice; /* its entity */
        char *invocation_id; /* of the running instance, NULL when none */
        char *stopped_invocation_id; /* of the last instance that stopped */
        char *cgroup; /* ControlGroup= of the running instance */
        bool pending; /* running outside its entity until restarted */
        bool seen; /* mark for reconcile sweeps */
} Tracked;

/* What the configuration asks for one entity, recomputed at each reconcile. */
typedef struct Desired {
        char *slice;
        char *service; /* the configured name that brought it */
        ServicePolicy policy; /* strings point into the Manager's config */
} Desired;

typedef struct Proactive Proactive; /* manager-proactive.c */
typedef struct LeftoversScan LeftoversScan; /* manager-leftovers.c */
typedef struct Redrain Redrain; /* manager-redrain.c */
typedef struct PrivateServer PrivateServer; /* manager-private.c */

typedef struct Manager {
        sd_event *event;
        sd_bus *bus; /* system bus: systemd, and cgctl's calls */
        sd_bus_slot *match_props;
        sd_bus_slot *match_removed;
        sd_bus_slot *match_reloading;
        sd_bus_slot *match_disconnected;
        sd_bus_slot *match_job_removed;
        sd_bus_slot *match_pid1_owner; /* PID 1's bus name changing hands */
        sd_event_source *sigterm, *sigint, *sighup;
        sd_event_source *stops_watch;
        sd_event_source *reconcile_defer;
        sd_event_source *save_defer;
        sd_bus_slot *bus_vtable; /* manager-bus.c */
        sd_bus_slot *bus_fallback;
        PrivateServer *private; /* manager-private.c, NULL when not listening */
        sd_event_source *metrics_timer; /* manager-metrics.c */
        sd_event_source *cgroup_trees; /* manager-metrics.c: cgroups removed below the entities' parent */
        Proactive *proactive; /* manager-proactive.c, NULL while no service opted in */
        LeftoversScan *leftovers; /* manager-leftovers.c, NULL while not scanning */
        Redrain *redrain; /* manager-redrain.c, NULL until an instance stopped */

        char *root; /* configuration root, "/" */
        char *state_dir; /* /var/lib/cgpersist */
        char *run_dir; /* /run/cgpersist */
        char *stops_dir; /* /run/cgpersist/stops */
        char *unsaved_dir; /* /run/cgpersist/unsaved: the state while saves to state_dir fail */

        Config *config; /* last good configuration, may be NULL */
        bool config_good; /* config can be trusted to retire entities */
        bool config_refused; /* the last read of the configuration was refused */
        ConfigDiags refused_diags; /* what was wrong with it, until a good read */
        char *config_text; /* the files of config as read (lastgood_render()), to tell a change */
        State *state;
        CgroupFs *cgfs;
        CgroupFiles *cgfiles; /* manager-metrics.c: measured files, kept open */

        Tracked *tracked; /* sorted by unit */
        size_t n_tracked, n_tracked_allocated;
        Coverage coverage; /* of the last reconcile; cleared with desired */
        Desired *desired; /* sorted by slice */
        size_t n_desired, n_desired_allocated;

        struct Applied {
                char *slice;
                uint64_t low, high, max;
        } * applied; /* limits sent to systemd, sorted by slice */
        size_t n_applied, n_applied_allocated;
        bool applied_dirty;
        void **async_queue; /* manager-systemd.c: calls waiting to go out */
        size_t async_head, n_async_queue;
        unsigned async_inflight;
        uint64_t pid1_stall_until; /* manager-systemd.c: no synchronous call before (CLOCK_MONOTONIC) */
        sd_event_source *pid1_retry;
        struct Starting {
                char *slice;
                uint64_t since_usec; /* CLOCK_MONOTONIC */
        } * starting; /* manager-starts.c: entity start jobs not finished yet */
        size_t n_starting;
        sd_event_source *start_retry; /* manager-starts.c: a reconcile after failed starts */
        uint64_t start_retry_usec; /* its next delay, doubling while starts keep failing */
        char **retiring; /* slices with a retire job under way */
        size_t n_retiring;
        struct RetireWaiter *retire_waiters; /* manager-retire.c: callers told when it is done */
        size_t n_retire_waiters;
        const struct ManagerEvents *events; /* set by manager_bus_setup(), may be NULL */
        bool state_dirty;
        /* manager-state.c: saves that failed since the last good one */
        sd_event_source *save_retry;
        uint64_t save_failures;
        uint64_t save_failed_since; /* CLOCK_REALTIME of the first, 0 while saved */
        int save_error; /* negative errno of the last */
        int save_kept_error; /* of keeping it in unsaved_dir instead, 0 if kept */
        uint64_t reconcile_usec[4]; /* the last reconcile's phases, for the start-up log */
} Manager;

typedef struct ManagerOptions {
        const char *root;
        const char *state_dir;
        const char *run_dir;
        const char *cgroup_root; /* NULL: libcgroup's mount for memory */
} ManagerOptions;

int manager_new(const ManagerOptions *opts, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

int manager_start(Manager *m);

/* Loads the configuration; on error the last good one stays (returns <0). */
/* manager-config.c: reads the configuration; on a refusal (negative errno)
 * the previous one stays and m->refused_diags says why. */
int manager_reload_config(Manager *m);
/* The refusal as one message naming every file:line, error the reload's. */
int manager_config_errors(const Manager *m, int error, char **ret);
/* The desired entities are worked out again at the next reconcile. */
void manager_desired_clear(Manager *m);
/* Brings entities in line with configuration and systemd, soon (deferred). */
void manager_queue_reconcile(Manager *m);
int manager_reconcile(Manager *m);
/* A call to PID 1 failed (a start, limits, the list of a reconcile): a
 * reconcile asks again, after a delay that doubles while calls keep failing
 * (manager-starts.c). */
void manager_retry_failed_calls(Manager *m);
/* The memory limits sent for slice did not reach PID 1: send them again. */
void manager_limits_failed(Manager *m, const char *slice);
/* manager-state.c */
int manager_load_state(Manager *m);
void manager_save_state(Manager *m);
void manager_queue_save(Manager *m);

Tracked *manager_find_tracked(Manager *m, const char *unit);
const Desired *manager_find_desired(Manager *m, const char *slice);

/* manager-systemd.c: calls to PID 1 */
typedef struct LoadedUnit {
        const char *name, *load, *active;
} LoadedUnit;
typedef struct LoadedUnits {
        sd_bus_message *reply; /* the strings point into it */
        LoadedUnit *units; /* sorted by name */
        size_t n;
} LoadedUnits;
int systemd_list_loaded(Manager *m, LoadedUnits *ret);
const LoadedUnit *loaded_units_find(const LoadedUnits *l, const char *name);
void loaded_units_done(LoadedUnits *l);
int systemd_start_unit_async(Manager *m, const char *unit);
void systemd_async_drop(Manager *m);
int systemd_bus_setup(Manager *m);
int systemd_subscribe(Manager *m);
int systemd_stop_unit(Manager *m, const char *unit);
/* A daemon-reload of PID 1 (which runs cgpersist-generator): callback when
 * it answered; on success the call owns userdata and frees it with destroy. */
int systemd_reload_async(Manager *m, sd_bus_message_handler_t callback, void *userdata,
                         sd_bus_destroy_t destroy);
int systemd_set_memory_limits(Manager *m, const char *slice, const ServicePolicy *p);
int systemd_get_instance(Manager *m, const char *unit, char **ret_active_state, char **ret_invocation_id,
                         char **ret_cgroup, char **ret_result);

/* manager-starts.c: an entity's start is asked for once, and logged when
 * PID 1's job has finished (JobRemoved), not when it is queued. */
int manager_start_entity(Manager *m, const Desired *d);
/* Whether a start of slice is under way (not given up on). */
bool manager_entity_starting(Manager *m, const char *slice);
/* The job of slice finished with result ("done", "failed", ...; "call-failed"
 * when PID 1 refused the call). A slice not being started is ignored. */
void manager_entity_start_finished(Manager *m, const char *slice, const char *result);
void manager_starts_free(Manager *m);

/* manager-instances.c */
void manager_unit_changed(Manager *m, const char *unit);
void manager_unit_state(Manager *m, Tracked *t, const char *active, const char *inv,
                        const char *cgroup_hint);
int manager_process_stop_records(Manager *m);
int manager_watch_stops(Manager *m);

/* manager-bus.c: the org.cgpersist1 API for cgctl. Setup registers the
 * object and takes the name; the emitters send signals (no-ops before). */
int manager_bus_setup(Manager *m);
/* The same API on another connection (the private socket's). */
int manager_bus_add_api(Manager *m, sd_bus *bus);

/* manager-private.c: RUN_DIR/private, the API without the system bus. */
int manager_private_setup(Manager *m);
void manager_private_free(Manager *m);
/* The UID of the peer of a private connection (taken at accept), -ENOENT if
 * bus is not one. */
int manager_private_peer_uid(Manager *m, sd_bus *bus, uid_t *ret);

/* manager-metrics.c: /run/cgpersist/metrics.prom for node_exporter. */
void manager_update_metrics(Manager *m);

/* What the D-Bus layer hears of. The daemon's other files tell it through
 * manager_emit_*(), never by calling into the bus. */
typedef struct ManagerEvents {
        void (*instance_stopped)(Manager *m, const char *slice, const InstanceRecord *r);
        void (*entity_retired)(Manager *m, const char *slice, const char *service, uint64_t residual);
} ManagerEvents;
void manager_emit_instance_stopped(Manager *m, const char *slice, const InstanceRecord *r);
void manager_emit_entity_retired(Manager *m, const char *slice, const char *service, uint64_t residual);

/* manager-retire.c */
int manager_retire(Manager *m, const char *slice, const char *why);
/* A retirement asked for (cgctl retire): refused with error set (being
 * retired already, still configured without force, instances running,
 * processes below), or 1 and done(slice, service, residual, recreated,
 * error, userdata) once it is through (error 0) or failed; recreated: it is
 * still configured and the next reconcile starts it again. At exit, done()
 * is called with -ECANCELED. */
typedef void (*manager_retire_done_fn)(Manager *m, const char *slice, const char *service, uint64_t residual,
                                       bool recreated, int error, void *userdata);
int manager_retire_request(Manager *m, const EntityState *e, bool force, manager_retire_done_fn done,
                           void *userdata, sd_bus_error *error);
void manager_retire_waiters_free(Manager *m);

/* manager-drain.c: a drain on request. done(job, drained, userdata) follows
 * on the loop once the worker is through, after the drained total was
 * counted and the event logged; the job (reclaim-job.h) is freed after it. */
typedef struct ReclaimJob ReclaimJob;
typedef void (*manager_drain_done_fn)(ReclaimJob *j, uint64_t drained, void *userdata);
int manager_drain(Manager *m, const EntityState *e, manager_drain_done_fn done, void *userdata);

/* manager-enable.c: Enable (enable) or Disable of services (valid service
 * names, not cgpersist's own), persistent or for this boot (runtime). 1 when
 * done(changed files, failure or NULL, userdata) follows (at once when
 * nothing was to change, else once PID 1 reloaded); negative errno with
 * error set when refused, every file then as it was. */
typedef void (*manager_enable_done_fn)(Manager *m, char *const *changed, size_t n_changed,
                                       const char *failure, void *userdata);
int manager_enable(Manager *m, char *const *services, bool enable, bool runtime, manager_enable_done_fn done,
                   void *userdata, sd_bus_error *error);
