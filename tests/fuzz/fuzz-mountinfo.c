/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mountinfo parser on arbitrary text: each line parses or gives
 * -EINVAL with nothing written; a parsed mount is found again by its id;
 * the stack depth stays within its bound. */

#include "fuzz.h"
#include "macro.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL;

        if (size > 64 * 1024)
                return 0;
        text = fuzz_strndup(data, size);
        if (!text)
                return 0;

        for (const char *l = text; l && *l;) {
                const char *nl = strchr(l, '\n');
                MountInfo m = { .id = 4242 }, found = {};
                int r;

                r = mountinfo_parse_line(l, &m);
                if (r == -EINVAL) {
                        if (m.id != 4242 || m.root || m.mount_point || m.fstype || m.source)
                                abort();
                } else if (r == 0) {
                        if (!m.root || !m.mount_point || !m.fstype || !m.source)
                                abort();
                        /* Unescaping never lengthens a field. */
                        if (strlen(m.mount_point) > (size_t) (nl ? nl - l : (ptrdiff_t) strlen(l)))
                                abort();
                        r = mountinfo_find(text, m.id, &found);
                        if (r != 1 || found.id != m.id)
                                abort();
                        if (mountinfo_stack_depth(text, m.id) < 1 ||
                            mountinfo_stack_depth(text, m.id) > MOUNTINFO_STACK_MAX)
                                abort();
                        mount_info_done(&found);
                        mount_info_done(&m);
                } else if (r != -ENOMEM)
                        abort();
                l = nl ? nl + 1 : NULL;
        }
        return 0;
}
