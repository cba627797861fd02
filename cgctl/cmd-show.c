/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The read-only commands: status, list, history, metrics. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgctl.h"
#include "entities.h"
#include "macro.h"
#include "namecheck.h"
#include "size.h"
#include "table.h"

/* Every entity, from the reply (or error) of ListEntityColumns() when the
 * caller made that call already, else from a call made here: 0, or an exit
 * status after printing why. */
static int get_entities_from(sd_bus *bus, sd_bus_message *reply, const sd_bus_error *error,
                             EntityColumns *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *own_reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error own_error = SD_BUS_ERROR_NULL;
        _cleanup_(value_done) Value records = {};
        int r;

        if (!reply && !sd_bus_error_is_set(error)) {
                r = cgctl_new_call(bus, "ListEntityColumns", &call);
                if (r != 0)
                        return r;
                (void) sd_bus_call(bus, call, 0, &own_error, &own_reply);
                reply = own_reply;
                error = &own_error;
        }
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                /* A cgpersistd from before ListEntityColumns(). */
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *old = NULL;

                r = cgctl_call(bus, "ListEntities", 0, &old, NULL);
                if (r != 0)
                        return r;
                r = cgctl_read_reply(old, &records);
                if (r != 0)
                        return r;
                r = entity_columns_from_records(&records, ret);
        } else if (sd_bus_error_is_set(error))
                return cgctl_bus_error(error, -(sd_bus_error_get_errno(error) ?: EIO));
        else if (!reply)
                return cgctl_bus_error(error, -EIO);
        else
                r = entity_columns_from_reply(reply, ret);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to read the reply of cgpersistd: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        return 0;
}

static int get_entities(sd_bus *bus, EntityColumns *ret) {
        return get_entities_from(bus, NULL, NULL, ret);
}

int cmd_list(sd_bus *bus, const Args *a) {
        _cleanup_(entity_columns_done) EntityColumns list = {};
        int r;

        r = get_entities(bus, &list);
        if (r != 0)
                return r;
        if (a->json) {
                JsonWriter *w = NULL;

                r = cgctl_json_new(a, &w);
                if (r != 0)
                        return r;
                json_key(w, "entities");
                entity_columns_to_json(&list, w);
                r = cgctl_finish_json(a, w);
                json_writer_free(w);
                return r;
        }
        if (list.n == 0) {
                if (a->legend)
                        printf("No entities. Give a service one with: cgctl enable SERVICE\n");
                return 0;
        }
        r = entity_columns_print_table(&list, stdout, terminal_width());
        if (r < 0) {
                fprintf(stderr, "cgctl: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        return 0;
}

typedef struct TwoCalls {
        sd_bus_message *calls[2], *replies[2];
        sd_bus_error errors[2];
} TwoCalls;

static void two_calls_done(TwoCalls *c) {
        for (size_t i = 0; i < 2; i++) {
                sd_bus_message_unref(c->calls[i]);
                sd_bus_message_unref(c->replies[i]);
                sd_bus_error_free(&c->errors[i]);
        }
}

/* "State: NOT SAVED since ...": saves of the state fail (a full or
 * read-only /var/lib); what is kept where until one succeeds. */
static void print_state_save(const Value *props) {
        char b1[CGCTL_FMT_MAX];
        uint64_t failures = 0, since = 0;
        const char *kept;

        if (!value_get_u64(props, "StateSaveFailures", &failures) || failures == 0)
                return;
        (void) value_get_u64(props, "StateSaveFailedSince", &since);
        kept = value_get_str(props, "StateUnsavedFile");
        printf("State: NOT SAVED since %s: %s (%" PRIu64 " failed attempt%s, retrying); ",
               fmt_time(b1, since), strna(value_get_str(props, "StateSaveError")), failures,
               failures == 1 ? "" : "s");
        if (!isempty(kept))
                printf("kept in %s until a save succeeds\n", kept);
        else
                printf("not kept anywhere else: what changed is lost if the daemon stops\n");
}

/* status without names: the daemon, then every entity. */
/* Units a glob matched and left out, and units a section takes that stay
 * where their own Slice= puts them, with the reason. */
static void print_not_covered(const Value *v) {
        if (!v || v->type != VALUE_ARRAY || v->n == 0)
                return;
        printf("Not covered (%zu unit%s):\n", v->n, v->n == 1 ? "" : "s");
        for (size_t i = 0; i < v->n; i++) {
                const char *slice = value_get_str(&v->items[i], "slice");

                printf("  %s: %s", strna(value_get_str(&v->items[i], "unit")),
                       strna(value_get_str(&v->items[i], "reason")));
                if (slice)
                        printf(" (Slice=%s)", slice);
                printf("\n");
        }
}

static int status_all(sd_bus *bus, const Args *a) {
        _cleanup_(two_calls_done) TwoCalls c = { .errors = { SD_BUS_ERROR_NULL, SD_BUS_ERROR_NULL } };
        _cleanup_(value_done) Value props = {};
        _cleanup_(entity_columns_done) EntityColumns list = {};
        const Value *files;
        uint64_t total = 0, persistent = 0;
        char b1[CGCTL_FMT_MAX], b2[CGCTL_FMT_MAX];
        int r;

        /* Both calls at once: one round trip through the bus, not two. */
        r = cgctl_new_call_get_all(bus, &c.calls[0]);
        if (r != 0)
                return r;
        r = cgctl_new_call(bus, "ListEntityColumns", &c.calls[1]);
        if (r != 0)
                return r;
        r = cgctl_call_many(bus, c.calls, c.replies, c.errors, 2);
        if (r != 0)
                return r;
        if (!c.replies[0])
                return cgctl_bus_error(&c.errors[0], -(sd_bus_error_get_errno(&c.errors[0]) ?: EIO));
        r = cgctl_read_reply(c.replies[0], &props);
        if (r != 0)
                return r;
        r = get_entities_from(bus, c.replies[1], &c.errors[1], &list);
        if (r != 0)
                return r;

        if (a->json) {
                JsonWriter *w = NULL;

                r = cgctl_json_new(a, &w);
                if (r != 0)
                        return r;
                json_key(w, "daemon");
                value_to_json(&props, w);
                json_key(w, "entities");
                entity_columns_to_json(&list, w);
                r = cgctl_finish_json(a, w);
                json_writer_free(w);
                return r;
        }

        for (size_t i = 0; i < list.n; i++) {
                if (list.memory_current[i] != UINT64_MAX)
                        total += list.memory_current[i];
                if (list.persistent[i] != UINT64_MAX)
                        persistent += list.persistent[i];
        }
        printf("cgpersistd %s: %zu entit%s, %s in total, %s persistent\n",
               strna(value_get_str(&props, "Version")), list.n, list.n == 1 ? "y" : "ies",
               format_bytes(b1, sizeof b1, total), format_bytes(b2, sizeof b2, persistent));
        files = value_get(&props, "ConfigFiles");
        if (!value_get_bool(&props, "ConfigGood", true))
                printf("Configuration: none usable (see: journalctl -u cgpersistd); no entity is retired\n");
        else if (files && files->type == VALUE_ARRAY) {
                printf("Configuration:");
                if (files->n == 0)
                        printf(" none");
                for (size_t i = 0; i < files->n; i++)
                        printf("%s%s", i == 0 ? " " : ", ",
                               files->items[i].type == VALUE_STRING ? files->items[i].s : "?");
                printf("\n");
        }
        print_not_covered(value_get(&props, "NotCovered"));
        if (value_get_str(&props, "MetricsFile"))
                printf("Metrics: %s\n", value_get_str(&props, "MetricsFile"));
        print_state_save(&props);
        if (list.n == 0) {
                if (a->legend)
                        printf("\nNo entities. Give a service one with: cgctl enable SERVICE\n");
                return 0;
        }
        printf("\n");
        r = entity_columns_print_table(&list, stdout, terminal_width());
        if (r < 0) {
                fprintf(stderr, "cgctl: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        return 0;
}

static void print_field(const char *label, const char *fmt, ...) _printf_(2, 3);
static void print_field(const char *label, const char *fmt, ...) {
        va_list ap;

        printf("%13s: ", label);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

/* "Proactive: reclaimed 56.0M in 9 steps; backing off since ... (pressure,
 * 3 intervals to go)" */
static void print_proactive(const Value *p) {
        char b1[CGCTL_FMT_MAX], b2[CGCTL_FMT_MAX];
        const char *reason;
        uint64_t steps = 0, since, level = 0, skip = 0;

        if (!p || p->type != VALUE_OBJECT)
                return;
        (void) value_get_u64(p, "steps", &steps);
        (void) value_get_u64(p, "backoff_level", &level);
        (void) value_get_u64(p, "backoff_skip", &skip);
        reason = value_get_str(p, "backoff_reason");
        printf("%13s: reclaimed %s in %" PRIu64 " step%s", "Proactive", fmt_size(b1, p, "reclaimed"), steps,
               steps == 1 ? "" : "s");
        if (value_get_bool(p, "backing_off", false))
                printf("; backing off (%s) since %s, %" PRIu64 " interval%s to sit out", strna(reason),
                       value_get_u64(p, "backoff_since_usec", &since) ? fmt_time(b2, since) : "-", skip,
                       skip == 1 ? "" : "s");
        else if (value_get_u64(p, "backoff_since_usec", &since))
                printf("; last backed off (%s) at %s", strna(reason), fmt_time(b2, since));
        putchar('\n');
}

/* "Left behind: 28.0M by 1 dying cgroup (page cache 16.0M, of it dirty 0B,
 * mapped 0B; shmem 12.0M; anon 0B; kernel 0B), scanned at ..." */
static void print_leftovers(const Value *l) {
        char b[8][CGCTL_FMT_MAX];
        uint64_t dying = 0, when, dirty = 0, wb = 0;

        if (!l || l->type != VALUE_OBJECT)
                return;
        (void) value_get_u64(l, "dying", &dying);
        (void) value_get_u64(l, "file_dirty", &dirty);
        (void) value_get_u64(l, "file_writeback", &wb);
        printf("%13s: %s by %" PRIu64 " dying cgroup%s (page cache %s, of it dirty %s, mapped %s; shmem %s; "
               "anon %s; kernel %s), scanned %s\n",
               "Left behind", fmt_size(b[0], l, "bytes"), dying, dying == 1 ? "" : "s",
               fmt_size(b[1], l, "file"), format_bytes(b[2], CGCTL_FMT_MAX, dirty + wb),
               fmt_size(b[3], l, "file_mapped"), fmt_size(b[4], l, "shmem"), fmt_size(b[5], l, "anon"),
               fmt_size(b[6], l, "kernel"),
               value_get_u64(l, "scanned_usec", &when) ? fmt_time(b[7], when) : "-");
}

static void print_entity(const Value *e) {
        char b1[CGCTL_FMT_MAX], b2[CGCTL_FMT_MAX], b3[CGCTL_FMT_MAX], b4[CGCTL_FMT_MAX], b5[CGCTL_FMT_MAX];
        const Value *by = value_get(e, "configured_by"), *stat = value_get(e, "memory_stat"),
                    *live = value_get(e, "live_instances"), *policy = value_get(e, "policy");
        uint64_t v, w;

        printf("%s - entity of %s\n", strna(value_get_str(e, "slice")), strna(value_get_str(e, "service")));
        if (!value_get_bool(e, "configured", true))
                print_field("Configured", "no: retired once nothing runs in it");
        else if (by && by->type == VALUE_ARRAY && by->n > 0) {
                printf("%13s: yes, by ", "Configured");
                for (size_t i = 0; i < by->n; i++)
                        printf("%s%s", i == 0 ? "" : ", ",
                               by->items[i].type == VALUE_STRING ? by->items[i].s : "?");
                putchar('\n');
        } else
                print_field("Configured", "yes");
        if (value_get_bool(e, "retiring", false))
                print_field("State", "retiring (draining, then the slice stops)");
        print_field("Cgroup", "%s", strna(value_get_str(e, "cgroup")));
        if (value_get_u64(e, "memory_current", &v))
                print_field("Memory", "%s (persistent %s, instances %s)", format_bytes(b1, sizeof b1, v),
                            fmt_size(b2, e, "persistent"), fmt_size(b3, e, "instances_current"));
        else
                print_field("Memory", "- (the slice is not active)");
        if (value_get_u64(e, "memory_peak", &v))
                print_field("Peak", "%s", format_bytes(b1, sizeof b1, v));
        if (stat && stat->type == VALUE_OBJECT) {
                static const char *const shown[] = { "anon", "file", "shmem",      "kernel",
                                                     "slab", "sock", "file_mapped" };
                printf("%13s: ", "Breakdown");
                for (size_t i = 0; i < ELEMENTSOF(shown); i++)
                        printf("%s%s %s", i == 0 ? "" : ", ", shown[i], fmt_size(b1, stat, shown[i]));
                putchar('\n');
        }
        if (value_get(e, "memory_max"))
                print_field("Limits", "min %s, low %s, high %s, max %s", fmt_size(b1, e, "memory_min"),
                            fmt_size(b2, e, "memory_low"), fmt_size(b3, e, "memory_high"),
                            fmt_size(b4, e, "memory_max"));
        if (policy && policy->type == VALUE_OBJECT)
                print_field("Policy", "drain %s (budget %s), retire if residual <= %s",
                            strna(value_get_str(policy, "drain")),
                            value_get_u64(policy, "drain_budget_usec", &v) ? fmt_elapsed(b1, v) : "-",
                            fmt_size(b5, policy, "retire_residual_max"));
        if (value_get_u64(e, "restarts", &v))
                print_field("Restarts", "%" PRIu64, v);
        if (value_get_u64(e, "dying_descendants", &v)) {
                if (value_get_u64(e, "dying_memcgs", &w))
                        print_field("Dying", "%" PRIu64 " cgroup%s below (%" PRIu64 " memcg%s)", v,
                                    v == 1 ? "" : "s", w, w == 1 ? "" : "s");
                else
                        print_field("Dying", "%" PRIu64 " cgroup%s below", v, v == 1 ? "" : "s");
        }
        print_field("Drained", "%s in total", fmt_size(b1, e, "drained_total"));
        print_proactive(value_get(e, "proactive"));
        print_leftovers(value_get(e, "leftovers"));
        if (value_get_u64(e, "created_usec", &v))
                print_field("Since", "%s", fmt_time(b1, v));

        if (!live || live->type != VALUE_ARRAY || live->n == 0) {
                print_field("Instances", "none running");
                return;
        }
        for (size_t i = 0; i < live->n; i++) {
                const Value *in = &live->items[i];
                printf("%13s%s %s: %s, since %s, invocation %s\n", i == 0 ? "Instances" : "",
                       i == 0 ? ":" : " ", strna(value_get_str(in, "unit")),
                       fmt_size(b1, in, "memory_current"),
                       value_get_u64(in, "start_usec", &v) ? fmt_time(b2, v) : "-",
                       strna(value_get_str(in, "invocation_id")));
                if (value_get_bool(in, "pending", false))
                        printf("%15s pending: runs outside the entity until its next restart\n", "");
        }
}

int cmd_status(sd_bus *bus, const Args *a) {
        _cleanup_(value_done) Value all = { .type = VALUE_ARRAY };
        int r, ret = 0;

        if (a->n_names == 0)
                return status_all(bus, a);

        /* Like systemctl status: every name is shown that can be, and a name
         * that cannot makes the exit status non-zero. */
        for (size_t i = 0; i < a->n_names; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                Value e = {};

                r = cgctl_call(bus, "GetEntity", 0, &reply, "s", a->names[i]);
                if (r == CGCTL_EXIT_NOT_RUNNING || r == CGCTL_EXIT_DENIED)
                        return r;
                if (r != 0) {
                        ret = ret ?: r;
                        continue;
                }
                r = cgctl_read_reply(reply, &e);
                if (r != 0)
                        return r;
                if (a->json) {
                        Value *x = realloc(all.items, (all.n + 1) * sizeof *x);
                        if (!x) {
                                value_done(&e);
                                return CGCTL_EXIT_FAILURE;
                        }
                        all.items = x;
                        all.items[all.n++] = e;
                        continue;
                }
                if (i > 0)
                        putchar('\n');
                print_entity(&e);
                value_done(&e);
        }
        if (a->json) {
                r = cgctl_print_json(a, "entities", &all);
                if (r != 0)
                        return r;
        }
        return ret;
}

int cmd_history(sd_bus *bus, const Args *a) {
        static const char *const headers[] = {
                "UNIT",    "INVOCATION", "STARTED",  "STOPPED", "PEAK",
                "AT STOP", "DRAINED",    "RESIDUAL", "RESULT",
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(value_done) Value list = {};
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = cgctl_call(bus, "GetHistory", 0, &reply, "s", a->names[0]);
        if (r != 0)
                return r;
        r = cgctl_read_reply(reply, &list);
        if (r != 0)
                return r;
        if (a->json)
                return cgctl_print_json(a, "instances", &list);
        if (list.n == 0) {
                if (a->legend)
                        printf("No instances recorded for %s.\n", a->names[0]);
                return 0;
        }

        t = table_new(ELEMENTSOF(headers), headers);
        if (!t)
                return CGCTL_EXIT_FAILURE;
        for (size_t c = 4; c < 8; c++)
                table_set_right(t, c);
        for (size_t i = 0; i < list.n; i++) {
                const Value *h = &list.items[i];
                char start[CGCTL_FMT_MAX], stop[CGCTL_FMT_MAX], peak[CGCTL_FMT_MAX], charge[CGCTL_FMT_MAX],
                        drained[CGCTL_FMT_MAX], residual[CGCTL_FMT_MAX];
                uint64_t v;
                const char *cells[] = {
                        value_get_str(h, "unit"),
                        value_get_str(h, "invocation_id"),
                        value_get_u64(h, "start_usec", &v) ? fmt_time(start, v) : "-",
                        value_get_u64(h, "stop_usec", &v) ? fmt_time(stop, v) : "running",
                        fmt_size(peak, h, "peak"),
                        fmt_size(charge, h, "charge_at_stop"),
                        fmt_size(drained, h, "drained"),
                        fmt_size(residual, h, "residual"),
                        value_get_str(h, "result"),
                };
                if (table_add_row(t, cells) < 0)
                        return CGCTL_EXIT_FAILURE;
        }
        if (table_print(t, stdout, terminal_width()) < 0)
                return CGCTL_EXIT_FAILURE;
        return 0;
}

/* The text of GetMetrics(): the daemon alone decides what the metrics are,
 * so the file, the D-Bus call and cgctl say the same. */
static int metrics_text(sd_bus *bus, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = cgctl_call(bus, "GetMetrics", 0, &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to read the reply of cgpersistd: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        *ret = strdup(text);
        return *ret ? 0 : CGCTL_EXIT_FAILURE;
}

int cmd_metrics(sd_bus *bus, const Args *a) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = metrics_text(bus, &text);
        if (r != 0)
                return r;
        if (a->json) {
                Value str = { .type = VALUE_STRING, .s = text };
                return cgctl_print_json(a, "openmetrics", &str);
        }
        fputs(text, stdout);
        return 0;
}
