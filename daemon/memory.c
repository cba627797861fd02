/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>

#include "memory.h"

void memory_setup(void) {
        /* One arena: a worker thread (drain, retire) would otherwise get an
         * arena of its own, whose heap stays resident after the thread is
         * gone. The workers are short and rare; sharing the lock is free. */
        (void) mallopt(M_ARENA_MAX, 1);
        /* A fixed mmap threshold (setting it turns glibc's dynamic one off):
         * large transient buffers (a D-Bus reply listing every unit, the
         * state text) are mapped and unmapped, rather than raising the
         * threshold on their first free and staying in the heap after. */
        (void) mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}
