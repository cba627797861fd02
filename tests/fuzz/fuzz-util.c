/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz.h"
#include "macro.h"

char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                return NULL;
        if (size > 0)
                memcpy(s, data, size);
        s[size] = 0;
        return s;
}
