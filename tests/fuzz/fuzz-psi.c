/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psi_parse() on arbitrary text: no crash, -EINVAL or 0 only, nothing
 * written on failure, averages within 0..100.00 on success. */

#include "fuzz.h"
#include "macro.h"
#include "psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL;
        Psi p, untouched;
        int r;

        if (size > 64 * 1024)
                return 0;
        text = fuzz_strndup(data, size);
        if (!text)
                return 0;

        memset(&p, 0xa5, sizeof(p));
        untouched = p;
        r = psi_parse(text, &p);
        if (r < 0) {
                if (r != -EINVAL || memcmp(&p, &untouched, sizeof(p)) != 0)
                        abort();
                return 0;
        }
        if (r != 0 || p.some.avg10 > 10000 || p.some.avg60 > 10000 || p.some.avg300 > 10000 ||
            p.full.avg10 > 10000 || p.full.avg60 > 10000 || p.full.avg300 > 10000)
                abort();
        return 0;
}
