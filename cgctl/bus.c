/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Talking to cgpersistd, and turning what goes wrong into one clear line and
 * an exit status. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "bus-api.h"
#include "cgctl.h"
#include "macro.h"
#include "namecheck.h"
#include "size.h"
#include "timeutil.h"

/* The daemon lets a connection in at once unless its loop is busy with
 * something long (a reconcile of many units at start-up); past this, cgctl
 * asks by the system bus instead, where the call waits its turn. */
#define PRIVATE_CONNECT_TIMEOUT_USEC (5 * USEC_PER_SEC)

#define NOT_RUNNING "cgpersistd is not running (start it with: systemctl start cgpersistd)"

/* The daemon's private socket (cgpersistd(8)): one hop to the daemon, where
 * the system bus takes two and a Hello. Returns <0 when it does not answer
 * within timeout_usec, for whatever reason: the caller then takes the bus. */
static int connect_private(sd_bus **ret, uint64_t timeout_usec) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        uint64_t deadline;
        int r;

        if (access(CGPERSIST_RUNDIR "/private", F_OK) < 0)
                return -errno;
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, "unix:path=" CGPERSIST_RUNDIR "/private");
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        /* Wait for the daemon to accept us (the authentication's one round
         * trip, which the first call would wait for anyway), so that a
         * refused connection is found here and not in the middle of a call. */
        deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
        while ((r = sd_bus_is_ready(bus)) == 0) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

int cgctl_connect_quiet(sd_bus **ret, uint64_t private_timeout_usec) {
        const char *e = getenv("CGCTL_SYSTEM_BUS");

        if (!(e && streq(e, "1")) && connect_private(ret, private_timeout_usec) >= 0)
                return 0;
        return sd_bus_open_system(ret);
}

int cgctl_connect(sd_bus **ret) {
        int r;

        r = cgctl_connect_quiet(ret, PRIVATE_CONNECT_TIMEOUT_USEC);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to connect to the system bus: %s\n", strerror(-r));
                fprintf(stderr, "cgctl: " NOT_RUNNING "\n");
                return CGCTL_EXIT_NOT_RUNNING;
        }
        return 0;
}

int cgctl_bus_error(const sd_bus_error *e, int r) {
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                fprintf(stderr, "cgctl: " NOT_RUNNING "\n");
                return CGCTL_EXIT_NOT_RUNNING;
        }
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED) || r == -EACCES || r == -EPERM) {
                /* Our daemon says what requires root; the bus policy says
                 * something long about rules: say it plainly. */
                if (e->message && strstr(e->message, "requires root"))
                        fprintf(stderr, "cgctl: %s\n", e->message);
                else
                        fprintf(stderr,
                                "cgctl: Access denied: this command requires root (the D-Bus policy of "
                                "org.cgpersist1 refused the call).\n");
                return CGCTL_EXIT_DENIED;
        }
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED) || r == -ETIMEDOUT) {
                fprintf(stderr, "cgctl: No reply from cgpersistd: %s\n", e->message ?: strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        fprintf(stderr, "cgctl: %s\n", e->message ?: strerror(-r));
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_INVALID_ARGS))
                return CGCTL_EXIT_USAGE;
        return CGCTL_EXIT_FAILURE;
}

int cgctl_new_call(sd_bus *bus, const char *method, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(bus, ret, CGPERSIST_BUS_NAME, CGPERSIST_BUS_PATH,
                                           CGPERSIST_BUS_INTERFACE, method);
        if (r < 0)
                goto fail;
        /* cgctl never starts the daemon behind the operator's back: a stopped
         * cgpersistd is reported as such. */
        r = sd_bus_message_set_auto_start(*ret, false);
        if (r < 0)
                goto fail;
        return 0;
fail:
        fprintf(stderr, "cgctl: Failed to make a D-Bus call: %s\n", strerror(-r));
        return CGCTL_EXIT_FAILURE;
}

int cgctl_call_message(sd_bus *bus, sd_bus_message *call, uint64_t timeout_usec,
                       sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(bus, call, timeout_usec, &error, ret_reply);
        if (r < 0)
                return cgctl_bus_error(&error, r);
        return 0;
}

int cgctl_call(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_message **ret_reply,
               const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        va_list ap;
        int r;

        r = cgctl_new_call(bus, method, &call);
        if (r != 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
                if (r < 0) {
                        fprintf(stderr, "cgctl: Failed to make a D-Bus call: %s\n", strerror(-r));
                        return CGCTL_EXIT_FAILURE;
                }
        }
        return cgctl_call_message(bus, call, timeout_usec, ret_reply);
}

int cgctl_read_reply(sd_bus_message *reply, Value *ret) {
        int r = value_read(reply, ret);

        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to read the reply of cgpersistd: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        return 0;
}

int cgctl_new_call_get_all(sd_bus *bus, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(bus, ret, CGPERSIST_BUS_NAME, CGPERSIST_BUS_PATH,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(*ret, false);
        if (r >= 0)
                r = sd_bus_message_append(*ret, "s", CGPERSIST_BUS_INTERFACE);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to make a D-Bus call: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        return 0;
}

int cgctl_get_properties(sd_bus *bus, Value *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = cgctl_new_call_get_all(bus, &call);
        if (r != 0)
                return r;
        r = cgctl_call_message(bus, call, 0, &reply);
        if (r != 0)
                return r;
        return cgctl_read_reply(reply, ret);
}

typedef struct PendingCall {
        sd_bus_message **reply;
        sd_bus_error *error;
        bool done;
} PendingCall;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PendingCall *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        p->done = true;
        /* Timeouts and a lost connection come here too, as errors. */
        if (e)
                (void) sd_bus_error_copy(p->error, e);
        else
                *p->reply = sd_bus_message_ref(m);
        return 0;
}

int cgctl_call_many(sd_bus *bus, sd_bus_message **calls, sd_bus_message **replies, sd_bus_error *errors,
                    size_t n) {
        _cleanup_free_ PendingCall *p = calloc(MAX(n, (size_t) 1), sizeof *p);
        _cleanup_free_ sd_bus_slot **slots = calloc(MAX(n, (size_t) 1), sizeof *slots);
        int r = 0;

        if (!p || !slots) {
                fprintf(stderr, "cgctl: Out of memory.\n");
                return CGCTL_EXIT_FAILURE;
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                p[i] = (PendingCall){ .reply = &replies[i], .error = &errors[i] };
                r = sd_bus_call_async(bus, &slots[i], calls[i], on_reply, &p[i], 0);
        }
        for (;;) {
                bool all = true;

                for (size_t i = 0; i < n; i++)
                        all = all && p[i].done;
                if (r < 0 || all)
                        break;
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        for (size_t i = 0; i < n; i++)
                sd_bus_slot_unref(slots[i]);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to call cgpersistd: %s\n", strerror(-r));
                return r == -ECONNRESET || r == -ENOTCONN ? CGCTL_EXIT_NOT_RUNNING : CGCTL_EXIT_FAILURE;
        }
        return 0;
}

int cgctl_check_names(const Args *a, unsigned kinds) {
        for (size_t i = 0; i < a->n_names; i++) {
                const char *problem = name_check(a->names[i], kinds);

                if (!problem)
                        continue;
                if (name_problem_is_unprintable(problem))
                        fprintf(stderr, "cgctl: Invalid name (argument %zu, %zu bytes): the name %s.\n",
                                i + 1, strlen(a->names[i]), problem);
                else
                        fprintf(stderr, "cgctl: Invalid name '%s': it %s.\n", a->names[i], problem);
                return CGCTL_EXIT_USAGE;
        }
        return 0;
}

int cgctl_json_new(const Args *a, JsonWriter **ret) {
        int r = json_writer_new(a->json == JSON_PRETTY_MODE ? JSON_PRETTY : 0, ret);

        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to write JSON: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        /* Every document is an object that says its vocabulary first. */
        json_begin_object(*ret);
        json_key(*ret, "schema");
        json_u64(*ret, CGCTL_JSON_SCHEMA);
        return 0;
}

int cgctl_finish_json(const Args *a, JsonWriter *w) {
        _cleanup_free_ char *text = NULL;
        int r;

        json_end_object(w);
        r = json_writer_finish(w, &text);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to write JSON: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        fputs(text, stdout);
        if (a->json != JSON_PRETTY_MODE)
                fputc('\n', stdout);
        return 0;
}

int cgctl_print_json(const Args *a, const char *key, const Value *v) {
        JsonWriter *w = NULL;
        int r;

        r = cgctl_json_new(a, &w);
        if (r != 0)
                return r;
        if (key) {
                json_key(w, key);
                value_to_json(v, w);
        } else
                for (size_t i = 0; v->type == VALUE_OBJECT && i < v->n; i++) {
                        char buf[VALUE_JSON_KEY_MAX];

                        json_key(w, value_json_key(v->keys[i], buf));
                        value_to_json(&v->items[i], w);
                }
        r = cgctl_finish_json(a, w);
        json_writer_free(w);
        return r;
}

const char *fmt_size(char buf[static CGCTL_FMT_MAX], const Value *object, const char *key) {
        uint64_t v;

        if (!value_get_u64(object, key, &v))
                return "-";
        return format_bytes(buf, CGCTL_FMT_MAX, v);
}

const char *fmt_time(char buf[static CGCTL_FMT_MAX], uint64_t usec) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) ||
            strftime(buf, CGCTL_FMT_MAX, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return "-";
        return buf;
}

const char *fmt_elapsed(char buf[static CGCTL_FMT_MAX], uint64_t usec) {
        if (usec < 1000)
                snprintf(buf, CGCTL_FMT_MAX, "%" PRIu64 "us", usec);
        else if (usec < 1000000)
                snprintf(buf, CGCTL_FMT_MAX, "%.1fms", (double) usec / 1e3);
        else
                snprintf(buf, CGCTL_FMT_MAX, "%.2fs", (double) usec / 1e6);
        return buf;
}
