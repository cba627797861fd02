/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands that change something (root only, checked by cgpersistd):
 * enable, disable, drain, retire, reload. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgctl.h"
#include "macro.h"
#include "namecheck.h"
#include "size.h"

static int print_empty_object(const Args *a) {
        Value doc = { .type = VALUE_OBJECT };
        return cgctl_print_json(a, NULL, &doc);
}

static int enable_disable(sd_bus *bus, const Args *a, bool enable) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(value_done) Value changed = {};
        int r;

        r = cgctl_new_call(bus, enable ? "Enable" : "Disable", &call);
        if (r != 0)
                return r;
        r = sd_bus_message_open_container(call, 'a', "s");
        for (size_t i = 0; r >= 0 && i < a->n_names; i++)
                r = sd_bus_message_append(call, "s", a->names[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "b", (int) a->runtime);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to make a D-Bus call: %s\n", strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        r = cgctl_call_message(bus, call, CALL_TIMEOUT_CHANGE_USEC, &reply);
        if (r != 0)
                return r;
        r = cgctl_read_reply(reply, &changed);
        if (r != 0)
                return r;

        if (a->json)
                return cgctl_print_json(a, "changed", &changed);
        for (size_t i = 0; i < changed.n; i++)
                if (changed.items[i].type == VALUE_STRING)
                        printf("%s %s.\n", enable ? "Created" : "Removed", changed.items[i].s);
        return 0;
}

int cmd_enable(sd_bus *bus, const Args *a) {
        return enable_disable(bus, a, true);
}

int cmd_disable(sd_bus *bus, const Args *a) {
        return enable_disable(bus, a, false);
}

int cmd_drain(sd_bus *bus, const Args *a) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(value_done) Value res = {};
        char b1[CGCTL_FMT_MAX], b2[CGCTL_FMT_MAX], b3[CGCTL_FMT_MAX], b4[CGCTL_FMT_MAX];
        uint64_t v;
        int r;

        r = cgctl_call(bus, "Drain", CALL_TIMEOUT_CHANGE_USEC, &reply, "s", a->names[0]);
        if (r != 0)
                return r;
        r = cgctl_read_reply(reply, &res);
        if (r != 0)
                return r;
        if (a->json)
                return cgctl_print_json(a, NULL, &res);

        printf("Drained %s: %s -> %s (%s reclaimed) in %s.\n", strna(value_get_str(&res, "slice")),
               fmt_size(b1, &res, "before"), fmt_size(b2, &res, "after"), fmt_size(b3, &res, "drained"),
               value_get_u64(&res, "elapsed_usec", &v) ? fmt_elapsed(b4, v) : "-");
        if (value_get_bool(&res, "budget_exhausted", false))
                printf("The time budget ran out before everything reclaimable was reclaimed.\n");
        if (value_get_bool(&res, "swap_guard", false))
                printf("Some page cache was left in place: this kernel cannot reclaim it without risking "
                       "swap.\n");
        return 0;
}

int cmd_retire(sd_bus *bus, const Args *a) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(value_done) Value res = {};
        char b1[CGCTL_FMT_MAX];
        int r;

        r = cgctl_call(bus, "Retire", CALL_TIMEOUT_CHANGE_USEC, &reply, "sb", a->names[0], (int) a->force);
        if (r != 0)
                return r;
        r = cgctl_read_reply(reply, &res);
        if (r != 0)
                return r;
        if (a->json)
                return cgctl_print_json(a, NULL, &res);

        printf("Retired %s of %s: residual %s.\n", strna(value_get_str(&res, "slice")),
               strna(value_get_str(&res, "service")), fmt_size(b1, &res, "residual"));
        if (value_get_bool(&res, "recreated_at_reconcile", false))
                printf("%s is still configured: its entity will be started again at the next reconcile\n"
                       "(cgctl reload, systemctl daemon-reload, or a change of the unit). To keep it gone:\n"
                       "cgctl disable %s\n",
                       strna(value_get_str(&res, "service")), strna(value_get_str(&res, "service")));
        return 0;
}

int cmd_reload(sd_bus *bus, const Args *a) {
        int r;

        r = cgctl_call(bus, "Reload", CALL_TIMEOUT_CHANGE_USEC, NULL, NULL);
        if (r != 0)
                return r;
        if (a->json)
                return print_empty_object(a);
        return 0;
}
