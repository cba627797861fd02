/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state_parse() on arbitrary text. Whatever parses must serialize, parse
 * back and serialize to the very same bytes: the daemon rewrites this file
 * on every change, so a lossy round trip would corrupt state over time. */

#include "fuzz.h"
#include "macro.h"
#include "state.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(State *, state_free);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL, *out1 = NULL, *out2 = NULL;
        _cleanup_(state_freep) State *s = NULL, *s2 = NULL;
        unsigned line = 0, lines = 1;
        int r;

        if (size > 1024 * 1024)
                return 0;
        text = fuzz_strndup(data, size);
        if (!text)
                return 0;

        r = state_parse(text, &s, &line);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                if (r != -EBADMSG && r != -EPROTONOSUPPORT)
                        abort();
                if (s)
                        abort();
                for (const char *c = text; *c; c++)
                        lines += *c == '\n';
                /* The reported line exists (or is the one after a cut). */
                if (line < 1 || line > lines)
                        abort();
                return 0;
        }

        for (size_t i = 0; i < s->n_entities; i++)
                if (s->entities[i].n_history > STATE_HISTORY_MAX)
                        abort();

        if (state_serialize(s, &out1) < 0)
                return 0;
        r = state_parse(out1, &s2, &line);
        if (r == -ENOMEM)
                return 0;
        if (r < 0)
                abort();
        if (state_serialize(s2, &out2) < 0)
                return 0;
        if (!streq(out1, out2))
                abort();

        return 0;
}
