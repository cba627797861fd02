/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verify: checks a configuration the way cgpersistd reads it, without the
 * daemon, and says every error with its file and line. Made for a
 * configuration-management "validate" step: the exit status is the verdict. */

#include <stdio.h>

#include "cgctl.h"
#include "config.h"
#include "macro.h"

static const char *diag_level_name(DiagLevel l) {
        return l == DIAG_ERROR ? "error" : "warning";
}

static void verify_json(JsonWriter *w, const Config *c, const ConfigDiags *d) {
        json_key(w, "good");
        json_bool(w, c != NULL);
        json_key(w, "files");
        json_begin_array(w);
        for (size_t i = 0; c && i < c->n_files; i++)
                json_string(w, c->files[i]);
        json_end_array(w);
        json_key(w, "services");
        if (c)
                json_u64(w, c->n_services);
        else
                json_null(w);
        json_key(w, "diagnostics");
        json_begin_array(w);
        for (size_t i = 0; i < d->n; i++) {
                json_begin_object(w);
                json_key(w, "file");
                json_string(w, d->items[i].file);
                json_key(w, "line");
                json_u64(w, d->items[i].line);
                json_key(w, "level");
                json_string(w, diag_level_name(d->items[i].level));
                json_key(w, "message");
                json_string(w, d->items[i].message);
                json_end_object(w);
        }
        json_end_array(w);
}

int cmd_verify(sd_bus *bus, const Args *a) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(config_diags_clear) ConfigDiags d = {};
        int r, ret;

        if (a->n_names > 0)
                r = config_load_files(a->names, a->n_names, &c, &d);
        else
                r = config_load(NULL, &c, &d);
        if (r < 0 && r != -EINVAL && d.n_errors == 0)
                fprintf(stderr, "cgctl: Failed to read the configuration: %s\n", strerror(-r));
        ret = r < 0 ? CGCTL_EXIT_FAILURE : CGCTL_EXIT_OK;

        if (a->json) {
                JsonWriter *w = NULL;

                r = cgctl_json_new(a, &w);
                if (r != 0)
                        return r;
                verify_json(w, c, &d);
                r = cgctl_finish_json(a, w);
                json_writer_free(w);
                return r ?: ret;
        }

        /* As compilers write them, so that editors jump to the line. */
        for (size_t i = 0; i < d.n; i++) {
                const ConfigDiag *g = &d.items[i];

                if (g->line > 0)
                        fprintf(stderr, "%s:%u: %s: %s\n", g->file, g->line, diag_level_name(g->level),
                                g->message);
                else
                        fprintf(stderr, "%s: %s: %s\n", g->file, diag_level_name(g->level), g->message);
        }
        return ret;
}
