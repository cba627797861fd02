/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* unit_keys_apply_text() on arbitrary text, as a unit file or drop-in an
 * administrator or a package wrote: no crash, a value without line breaks
 * or surrounding blanks, and a [Service] section appended after the text
 * always decides (nothing in the text leaks past an empty line). */

#include "fuzz.h"
#include "macro.h"
#include "unitkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(unit_keys_done) UnitKeys k = UNIT_KEYS_INIT, k2 = UNIT_KEYS_INIT;
        _cleanup_free_ char *s = NULL, *twice = NULL;

        if (size > 64 * 1024)
                return 0;
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;
        if (unit_keys_apply_text(&k, s, "f") < 0)
                return 0;
        if (k.slice && (!k.slice_source || strchr(k.slice, '\n') || k.slice[0] == ' ' || k.slice[0] == '\t'))
                abort();
        if (k.default_dependencies != 0 && k.default_dependencies != 1)
                abort();
        /* An empty line ends any continuation: the Slice= after it wins. */
        if (asprintf(&twice, "%s\n\n[Service]\nSlice=x.slice\n[Unit]\nDefaultDependencies=no\n", s) < 0)
                return 0;
        if (unit_keys_apply_text(&k2, twice, "f") == 0 &&
            (!streq_ptr(k2.slice, "x.slice") || k2.default_dependencies != 0))
                abort();
        return 0;
}
