/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The framing scan of a D-Bus client's stream on arbitrary bytes, fed whole
 * and in pieces: both ways must agree, and a message never counts beyond
 * the limit. */

#include <stdlib.h>

#include "busframe.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        BusFrame a, b;
        int ra, rb = 0;

        busframe_init(&a, 256, 4096);
        busframe_init(&b, 256, 4096);
        ra = busframe_scan(&a, data, size, NULL);
        /* In pieces of 1, 2, 3, ... bytes. */
        for (size_t off = 0, k = 1; off < size && rb == 0; off += k, k++)
                rb = busframe_scan(&b, data + off, k < size - off ? k : size - off, NULL);
        if (ra != rb || a.state != b.state || a.n_messages != b.n_messages)
                abort();
        if (ra == 0 && (a.left > 4096 - 16 || a.auth_len > 256 || a.left != b.left))
                abort();
        return 0;
}
