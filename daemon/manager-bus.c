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
 * caller sends is hostile until it passed validate_name(). The read
 * methods and their records are in manager-bus-read.c. */

#include "build-config.h"
#include "bus-api.h"
#include "log.h"
#include "manager-bus.h"
#include "namecheck.h"
#include "path.h"
#include "reclaim-job.h"
#include "unitname.h"

/* Enable/Disable take at most this many names in one call. */
#define SERVICES_MAX 1024

static const ManagerEvents manager_bus_events;

static void bus_state_free(void *p) {
        Bus *b = p;

        if (b && b->manager->events == &manager_bus_events)
                b->manager->events = NULL;
        free(b);
}

static Bus *bus_state(Manager *m) {
        return m->bus_vtable ? sd_bus_slot_get_userdata(m->bus_vtable) : NULL;
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

int bus_read_entity_arg(Manager *m, sd_bus_message *msg, const char **ret_name, EntityState **ret,
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
        r = bus_read_entity_arg(m, msg, NULL, &e, error);
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
        r = bus_read_entity_arg(m, msg, NULL, &e, error);
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

/* The units a glob matched and passed over, and why: cgctl status lists
 * them, so that an operator sees why a service has no entity. */
static int property_not_covered(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = ((Bus *) userdata)->manager;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < m->coverage.n; i++) {
                const CoverageUnit *u = &m->coverage.units[i];

                if (!(u->by_glob && u->reason >= COVERAGE_TRANSIENT) && !coverage_reason_is_slice(u->reason))
                        continue;
                if (u->own_slice)
                        r = sd_bus_message_append(reply, "a{sv}", 3, "unit", "s", u->unit, "reason", "s",
                                                  coverage_reason_to_string(u->reason), "slice", "s",
                                                  u->own_slice);
                else
                        r = sd_bus_message_append(reply, "a{sv}", 2, "unit", "s", u->unit, "reason", "s",
                                                  coverage_reason_to_string(u->reason));
        }
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
        SD_BUS_PROPERTY("NotCovered", "aa{sv}", property_not_covered, 0, 0),
        SD_BUS_PROPERTY("MetricsFile", "s", property_metrics_file, 0, 0),
        SD_BUS_PROPERTY("WatchedCgroups", "u", property_watched_cgroups, 0, 0),
        SD_BUS_PROPERTY("StateSaveFailures", "t", property_state_save_failures, 0, 0),
        SD_BUS_PROPERTY("StateSaveFailedSince", "t", property_state_save_failed_since, 0, 0),
        SD_BUS_PROPERTY("StateSaveError", "s", property_state_save_error, 0, 0),
        SD_BUS_PROPERTY("StateUnsavedFile", "s", property_state_unsaved_file, 0, 0),

        SD_BUS_METHOD_WITH_NAMES("ListEntities", NULL, , "aa{sv}", SD_BUS_PARAM(entities),
                                 bus_method_list_entities, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListEntityColumns", NULL, , "a{sv}", SD_BUS_PARAM(columns),
                                 bus_method_list_entity_columns, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetEntity", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(entity),
                                 bus_method_get_entity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetHistory", "s", SD_BUS_PARAM(name), "aa{sv}", SD_BUS_PARAM(instances),
                                 bus_method_get_history, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetMetrics", NULL, , "s", SD_BUS_PARAM(text), bus_method_get_metrics,
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
