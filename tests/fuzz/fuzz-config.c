/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config_parse_string() on arbitrary text, as if it were a file in
 * /etc/cgpersist/conf.d. A refused text leaves no Config behind and says
 * why at a line that exists; an accepted one has only valid patterns and
 * answers policy queries. Every message is printable text whatever the
 * input was: messages go to terminals and the journal. */

#include "config.h"
#include "dropin.h"
#include "fuzz.h"
#include "macro.h"
#include "path.h"
#include "unitname.h"

static void check_message(const char *m) {
        _cleanup_free_ char *copy = strdup(m);

        if (!copy)
                return;
        /* A tab may come from the input line; nothing else that is not
         * printable may. */
        for (char *c = copy; *c; c++)
                if (*c == '\t')
                        *c = ' ';
        if (!string_is_safe_utf8(copy))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const units[] = {
                "web.service", "foo@a.service", "foo@.service", "my-app.service", "cgpersistd.service",
        };
        _cleanup_free_ char *text = NULL;
        ConfigDiags d = {};
        Config *c = (Config *) 0x1;
        unsigned lines = 1;
        int r;

        if (size > CONFIG_FILE_MAX)
                return 0;
        text = fuzz_strndup(data, size);
        if (!text)
                return 0;
        for (const char *p = text; *p; p++)
                lines += *p == '\n';

        r = config_parse_string(text, "fuzz.conf", &c, &d);
        if (r == -ENOMEM)
                goto finish;

        for (size_t i = 0; i < d.n; i++) {
                if (d.items[i].line > lines || !streq(d.items[i].file, "fuzz.conf"))
                        abort();
                check_message(d.items[i].message);
        }

        if (r < 0) {
                if (r != -EINVAL || c != (Config *) 0x1 || d.n_errors == 0)
                        abort();
                goto finish;
        }
        if (d.n_errors != 0)
                abort();

        for (size_t i = 0; i < c->n_services; i++)
                if (!unit_pattern_is_valid(c->services[i].pattern))
                        abort();

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *dropin = NULL;
                ServicePolicy p;

                r = config_policy_for(c, units[i], &p);
                if (r < 0)
                        abort();
                if (r == 0)
                        continue;
                if (!p.enabled || dropin_unit_must_skip(units[i]))
                        abort();
                if (p.entity && !slice_name_is_valid(p.entity))
                        abort();
                /* Whatever was accepted renders. */
                r = dropin_render(units[i], &p, NULL, "/usr/libexec/cgpersist", &dropin);
                if (r < 0 && r != -ENOMEM)
                        abort();
        }
        config_free(c);

finish:
        config_diags_clear(&d);
        return 0;
}
