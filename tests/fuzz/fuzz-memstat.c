/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memstat_parse() and flat_keyed_parse() on arbitrary text. Beyond "no
 * crash": a parsed "kernel" must be the kernel's own value or the saturated
 * sum of its parts, and a successful parse never leaves half a result. */

#include "fuzz.h"
#include "macro.h"
#include "memstat.h"

static int count_pairs(const char *name, uint64_t value, void *userdata) {
        size_t *n = userdata;

        if (isempty(name) || strlen(name) >= 64)
                abort();
        (*n)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL;
        MemStat m, untouched;
        size_t pairs = 0;
        int r, q;

        if (size > 256 * 1024)
                return 0;
        text = fuzz_strndup(data, size);
        if (!text)
                return 0;

        memset(&m, 0xa5, sizeof(m));
        untouched = m;
        r = memstat_parse(text, &m);
        q = flat_keyed_parse(text, count_pairs, &pairs);

        /* Both walk the same grammar. */
        if ((r == 0) != (q == 0))
                abort();

        if (r < 0) {
                if (r != -EINVAL)
                        abort();
                if (memcmp(&m, &untouched, sizeof(m)) != 0)
                        abort();
                return 0;
        }

        if (!m.kernel_seen) {
                uint64_t sum = m.kernel_stack;

                sum = sum > UINT64_MAX - m.pagetables ? UINT64_MAX : sum + m.pagetables;
                sum = sum > UINT64_MAX - m.slab ? UINT64_MAX : sum + m.slab;
                if (m.kernel != sum)
                        abort();
        }

        return 0;
}
