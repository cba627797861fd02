/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse_size() and parse_duration_usec() on arbitrary text, with their
 * formatters as oracles: a formatted size reads back as at most the value
 * (one truncated decimal), a formatted duration reads back exactly. */

#include "fuzz.h"
#include "macro.h"
#include "size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char buf[FORMAT_BYTES_MAX], dbuf[FORMAT_DURATION_MAX];
        _cleanup_free_ char *s = NULL;
        uint64_t v = 7, back = 0;
        int r;

        if (size > 4096)
                return 0;
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;

        r = parse_size(s, &v);
        if (r < 0) {
                if ((r != -EINVAL && r != -ERANGE) || v != 7)
                        abort();
        } else {
                format_bytes(buf, sizeof(buf), v);
                if (parse_size(buf, &back) < 0)
                        abort();
                if (v == SIZE_INFINITY ? back != SIZE_INFINITY : back > v)
                        abort();
        }

        v = 7;
        r = parse_duration_usec(s, &v);
        if (r < 0) {
                if ((r != -EINVAL && r != -ERANGE) || v != 7)
                        abort();
        } else {
                format_duration(dbuf, sizeof(dbuf), v);
                if (parse_duration_usec(dbuf, &back) < 0 || back != v)
                        abort();
        }

        return 0;
}
