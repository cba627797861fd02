/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sorted.h"

size_t sorted_search_str(const void *base, size_t n, size_t size, size_t key_offset, const char *key,
                         bool *found) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *k;
                int c;

                memcpy(&k, (const char *) base + mid * size + key_offset, sizeof k);
                c = strcmp(k, key);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}
